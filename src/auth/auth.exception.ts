import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum AuthError {
  EmailTaken = 'email_taken',
  InvalidEmail = 'invalid_email',
  WeakPassword = 'weak_password',
  InvalidCredentials = 'invalid_credentials',
  AccountLocked = 'account_locked',
  Overloaded = 'overloaded',
  InvalidRefreshToken = 'invalid_refresh_token',
  PasswordReused = 'password_reused',
  CurrentPasswordWrong = 'current_password_wrong',
  InvalidMfaToken = 'invalid_mfa_token',
  InvalidSecondFactor = 'invalid_second_factor',
  InvalidLinkToken = 'invalid_token',
  LinkTokenGone = 'token_expired_or_used',
  EmailNotVerified = 'email_not_verified',
  RegistrationClosed = 'registration_closed',
  UserNotFound = 'user_not_found',
  InvalidCursor = 'invalid_cursor',
}

export class AuthException extends DomainException<AuthError> {}

/** The HTTP status of each AuthError; AppModule hands this to the one exception filter. */
export const AUTH_ERRORS: DomainErrorMapping<AuthError> = {
  exception: AuthException,
  status: {
    [AuthError.EmailTaken]: HttpStatus.CONFLICT,
    [AuthError.InvalidEmail]: HttpStatus.BAD_REQUEST,
    [AuthError.WeakPassword]: HttpStatus.BAD_REQUEST,
    [AuthError.InvalidCredentials]: HttpStatus.UNAUTHORIZED,
    [AuthError.AccountLocked]: HttpStatus.LOCKED,
    // The password hasher's queue is full: a server condition the client retries after Retry-After.
    [AuthError.Overloaded]: HttpStatus.SERVICE_UNAVAILABLE,
    [AuthError.InvalidRefreshToken]: HttpStatus.UNAUTHORIZED,
    [AuthError.PasswordReused]: HttpStatus.BAD_REQUEST,
    [AuthError.CurrentPasswordWrong]: HttpStatus.FORBIDDEN,
    [AuthError.InvalidMfaToken]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidSecondFactor]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidLinkToken]: HttpStatus.BAD_REQUEST,
    [AuthError.LinkTokenGone]: HttpStatus.GONE,
    [AuthError.EmailNotVerified]: HttpStatus.FORBIDDEN,
    [AuthError.RegistrationClosed]: HttpStatus.FORBIDDEN,
    [AuthError.UserNotFound]: HttpStatus.NOT_FOUND,
    [AuthError.InvalidCursor]: HttpStatus.BAD_REQUEST,
  },
};
