import { domainError } from '../common/decorators/api-errors.decorator';
import { PASSWORD_ERRORS, PasswordError } from './password.exception';

/** The documented answers of the routes that check or set a password. */
export const WEAK_PASSWORD = domainError(
  PASSWORD_ERRORS,
  PasswordError.WeakPassword,
  'The password fails the policy (PASSWORD_MIN_LENGTH, PASSWORD_REQUIRE_CLASSES, common passwords); `reasons` lists every problem',
  { reasons: { type: 'array', items: { type: 'string' }, description: 'Each way the password fails the policy' } },
);

export const PASSWORD_REUSED = domainError(
  PASSWORD_ERRORS,
  PasswordError.PasswordReused,
  'The new password is one of the last PASSWORD_HISTORY_COUNT',
);

export const HASHER_OVERLOADED = {
  ...domainError(
    PASSWORD_ERRORS,
    PasswordError.Overloaded,
    'Too many password checks are waiting (BCRYPT_QUEUE_LIMIT); retry after `Retry-After` seconds',
  ),
  retryAfter: true,
};
