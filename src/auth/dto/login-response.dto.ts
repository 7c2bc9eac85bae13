export const LOGIN_STATUSES = ['authenticated', 'password_change_required'] as const;
export const MFA_ENROLLMENT_STATES = ['none', 'recommended', 'required'] as const;

export class LoginResponseDto {
  /** `password_change_required` tokens only open password change, `/auth/me` and logout. */
  status: (typeof LOGIN_STATUSES)[number];
  /** Absent in cookie mode (`X-Auth-Mode: cookie`), where it is the `access_token` cookie. */
  accessToken?: string;
  /** Opaque; send it to `/auth/refresh`. Rotated on every use. Absent in cookie mode. */
  refreshToken?: string;
  tokenType: 'Bearer';
  /** Access token lifetime in seconds. */
  expiresIn: number;
  sessionId: string;
  /** Whether this user is asked to set up two-factor authentication. */
  mfaEnrollment: (typeof MFA_ENROLLMENT_STATES)[number];
}
