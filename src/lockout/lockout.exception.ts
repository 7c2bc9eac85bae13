import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum LockoutError {
  AccountLocked = 'account_locked',
  CurrentPasswordWrong = 'current_password_wrong',
}

export class LockoutException extends DomainException<LockoutError> {}

/** The HTTP status of each LockoutError; AppModule hands this to the one exception filter. */
export const LOCKOUT_ERRORS: DomainErrorMapping<LockoutError> = {
  exception: LockoutException,
  status: {
    [LockoutError.AccountLocked]: HttpStatus.LOCKED,
    [LockoutError.CurrentPasswordWrong]: HttpStatus.FORBIDDEN,
  },
};
