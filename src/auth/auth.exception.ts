import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { DomainErrorMapping } from '../common/filters/domain-error-status';

export enum AuthError {
  InvalidCredentials = 'invalid_credentials',
  InvalidRefreshToken = 'invalid_refresh_token',
  InvalidMfaToken = 'invalid_mfa_token',
  InvalidSecondFactor = 'invalid_second_factor',
  InvalidLinkToken = 'invalid_token',
  LinkTokenGone = 'token_expired_or_used',
  EmailNotVerified = 'email_not_verified',
  RegistrationClosed = 'registration_closed',
}

export class AuthException extends DomainException<AuthError> {}

/** The HTTP status of each AuthError; AppModule hands this to the one exception filter. */
export const AUTH_ERRORS: DomainErrorMapping<AuthError> = {
  exception: AuthException,
  status: {
    [AuthError.InvalidCredentials]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidRefreshToken]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidMfaToken]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidSecondFactor]: HttpStatus.UNAUTHORIZED,
    [AuthError.InvalidLinkToken]: HttpStatus.BAD_REQUEST,
    [AuthError.LinkTokenGone]: HttpStatus.GONE,
    [AuthError.EmailNotVerified]: HttpStatus.FORBIDDEN,
    [AuthError.RegistrationClosed]: HttpStatus.FORBIDDEN,
  },
};
