import { SessionError, SessionException } from './session.exception';

/**
 * The answer to a caller whose account is gone though the global guard let the request in (the account
 * was deleted meanwhile). Deleting an account ends every session of it, so the caller gets what any ended
 * session gets, 401, and signs in again; a missing resource (404 `user_not_found`) is what admins get
 * for a deleted user.
 */
export function sessionEnded(): SessionException {
  return new SessionException(SessionError.Expired, 'Session expired or revoked');
}
