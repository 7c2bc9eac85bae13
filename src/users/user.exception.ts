import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum UserError {
  EmailTaken = 'email_taken',
  InvalidEmail = 'invalid_email',
  UserNotFound = 'user_not_found',
  InvalidCursor = 'invalid_cursor',
}

export class UserException extends DomainException<UserError> {}

/** The HTTP status of each UserError; AppModule hands this to the one exception filter. */
export const USER_ERRORS: DomainErrorMapping<UserError> = {
  exception: UserException,
  status: {
    [UserError.EmailTaken]: HttpStatus.CONFLICT,
    [UserError.InvalidEmail]: HttpStatus.BAD_REQUEST,
    [UserError.UserNotFound]: HttpStatus.NOT_FOUND,
    [UserError.InvalidCursor]: HttpStatus.BAD_REQUEST,
  },
};
