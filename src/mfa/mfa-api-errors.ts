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
  'Two-factor authentication is already on',
);

export const REAUTHENTICATION_REQUIRED = domainError(
  MFA_ERRORS,
  MfaError.ReauthenticationRequired,
  'The sign-in is older than 10 minutes: sign in again first',
);
