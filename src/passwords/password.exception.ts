import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum PasswordError {
  WeakPassword = 'weak_password',
  PasswordReused = 'password_reused',
  Overloaded = 'overloaded',
}

export class PasswordException extends DomainException<PasswordError> {}

/** The HTTP status of each PasswordError; AppModule hands this to the one exception filter. */
export const PASSWORD_ERRORS: DomainErrorMapping<PasswordError> = {
  exception: PasswordException,
  status: {
    [PasswordError.WeakPassword]: HttpStatus.BAD_REQUEST,
    [PasswordError.PasswordReused]: HttpStatus.BAD_REQUEST,
    // The password hasher's queue is full: a server condition the client retries after Retry-After.
    [PasswordError.Overloaded]: HttpStatus.SERVICE_UNAVAILABLE,
  },
};
