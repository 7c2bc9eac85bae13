import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum SessionError {
  NotFound = 'session_not_found',
  Expired = 'session_expired',
}

export class SessionException extends DomainException<SessionError> {}

/** The HTTP status of each SessionError; AppModule hands this to the one exception filter. */
export const SESSION_ERRORS: DomainErrorMapping<SessionError> = {
  exception: SessionException,
  status: {
    [SessionError.NotFound]: HttpStatus.NOT_FOUND,
    [SessionError.Expired]: HttpStatus.UNAUTHORIZED,
  },
};
