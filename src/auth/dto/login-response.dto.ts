export const LOGIN_STATUSES = ['authenticated', 'password_change_required', 'mfa_required'] as const;
export const MFA_ENROLLMENT_STATES = ['none', 'recommended', 'required'] as const;

export class LoginResponseDto {
  /**
   * `mfa_required`: send `mfaToken` and a code to `/auth/login/2fa`. `password_change_required` tokens
   * only open password change, `/auth/me` and logout.
   */
  status: (typeof LOGIN_STATUSES)[number];
  /** With `mfa_required`: a 5-minute token for `/auth/login/2fa`, good for this login only. */
  mfaToken?: string;
  /** With `mfa_required`: the second factors accepted. */
  methods?: ('totp' | 'webauthn' | 'backup_code')[];
  /** Absent in cookie mode (`X-Auth-Mode: cookie`), where it is the `access_token` cookie. */
  accessToken?: string;
  /** Opaque; send it to `/auth/refresh`. Rotated on every use. Absent in cookie mode. */
  refreshToken?: string;
  tokenType?: 'Bearer';
  /** Lifetime in seconds of the access token (or of the `mfaToken`). */
  expiresIn: number;
  sessionId?: string;
  /** With `rememberDevice`, or a login that used a device token: the device's (new) token; in cookie mode the `device_token` cookie instead. */
  deviceToken?: string;
  /** Whether this user is asked to set up two-factor authentication. */
  mfaEnrollment?: (typeof MFA_ENROLLMENT_STATES)[number];
  /**
   * When 2FA is being enforced on this user (the `mfa_enforcement` flag) and the grace period runs:
   * the moment (ISO 8601) `recommended` becomes `required`.
   */
  mfaEnrollmentGraceEndsAt?: string;
}
