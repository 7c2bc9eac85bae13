import { AUTH_ERRORS } from './auth/auth.exception';
import { DomainErrorMapping } from './common/filters/domain-error-status';
import { LOCKOUT_ERRORS } from './lockout/lockout.exception';
import { PASSWORD_ERRORS } from './passwords/password.exception';
import { USER_ERRORS } from './users/user.exception';
import { FEATURE_FLAG_ERRORS } from './feature-flags/feature-flag.exception';
import { DEVICE_ERRORS } from './devices/device.exception';
import { MFA_ERRORS } from './mfa/mfa.exception';
import { SESSION_ERRORS } from './session/session.exception';

/**
 * Every module's domain exception with the status of each of its codes, for the one exception filter.
 * A module that adds a domain exception lists it here; an unlisted one answers 500 and is logged.
 */
export const DOMAIN_ERRORS: readonly DomainErrorMapping[] = [
  AUTH_ERRORS,
  USER_ERRORS,
  PASSWORD_ERRORS,
  LOCKOUT_ERRORS,
  MFA_ERRORS,
  DEVICE_ERRORS,
  SESSION_ERRORS,
  FEATURE_FLAG_ERRORS,
];
