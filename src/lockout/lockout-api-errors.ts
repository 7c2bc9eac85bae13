import { domainError } from '../common/decorators/api-errors.decorator';
import { LOCKOUT_ERRORS, LockoutError } from './lockout.exception';

/** The 423 of a locked account, at sign-in and at every proof, with the end of the lock. */
export const ACCOUNT_LOCKED = domainError(
  LOCKOUT_ERRORS,
  LockoutError.AccountLocked,
  'Locked after MAX_FAILED_LOGIN_ATTEMPTS failed sign-ins or proofs; `lockedUntil` says until when',
  { lockedUntil: { type: 'string', format: 'date-time', description: 'When the lock ends' } },
);

/** A wrong password given as proof of a sensitive action; it counts towards the lockout. */
export const CURRENT_PASSWORD_WRONG = domainError(
  LOCKOUT_ERRORS,
  LockoutError.CurrentPasswordWrong,
  'The password is wrong; it counts towards the lockout',
);
