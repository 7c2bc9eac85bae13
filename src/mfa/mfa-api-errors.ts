import { domainError } from '../common/decorators/api-errors.decorator';
import { MFA_ERRORS, MfaError } from './mfa.exception';

/** The documented answers shared by the two-factor routes and the actions a code proves. */
export const MFA_INVALID_CODE = domainError(
  MFA_ERRORS,
  MfaError.InvalidCode,
  'The 2FA code is missing, wrong or already used; a wrong one counts towards the lockout',
);

export const MFA_NOT_ENABLED = domainError(MFA_ERRORS, MfaError.NotEnabled, 'Two-factor authentication is off');

export const MFA_ALREADY_ENABLED = domainError(
  MFA_ERRORS,
  MfaError.AlreadyEnabled,
  'TOTP is already on (passkeys may be added beside it)',
);

export const PASSKEY_NOT_FOUND = domainError(
  MFA_ERRORS,
  MfaError.PasskeyNotFound,
  'No passkey with this id among your own',
);

export const WEBAUTHN_CHALLENGE_INVALID = domainError(
  MFA_ERRORS,
  MfaError.WebauthnChallengeInvalid,
  'The response answers no open challenge of yours for this ceremony: unknown, used, expired (5 minutes) or issued for another one',
);

export const WEBAUTHN_VERIFICATION_FAILED = domainError(
  MFA_ERRORS,
  MfaError.WebauthnVerificationFailed,
  'The response does not verify: another origin than WEBAUTHN_ORIGINS, another RP ID, or a bad attestation',
);

export const REAUTHENTICATION_REQUIRED = domainError(
  MFA_ERRORS,
  MfaError.ReauthenticationRequired,
  'The sign-in is older than 10 minutes: sign in again first',
);
