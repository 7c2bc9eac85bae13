import { domainError } from '../common/decorators/api-errors.decorator';
import { SESSION_ERRORS, SessionError } from './session.exception';

/** The account or the session ended between the token check and the work (e.g. a concurrent deletion). */
export const SESSION_ENDED = domainError(
  SESSION_ERRORS,
  SessionError.Expired,
  'The session or the account ended while the request ran',
);

/** The current session's row went while the request ran (the account was deleted). */
export const CURRENT_SESSION_GONE = domainError(
  SESSION_ERRORS,
  SessionError.NotFound,
  'The session was deleted while the request ran',
);
