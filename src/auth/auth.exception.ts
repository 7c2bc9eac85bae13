import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainException } from '../common/filters/domain.exception';
import { sendDomainError } from '../common/filters/error-reply';

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

export function authErrorStatus(code: AuthError): HttpStatus {
  switch (code) {
    case AuthError.EmailTaken:
      return HttpStatus.CONFLICT;
    case AuthError.InvalidEmail:
    case AuthError.WeakPassword:
    case AuthError.PasswordReused:
    case AuthError.InvalidLinkToken:
    case AuthError.InvalidCursor:
      return HttpStatus.BAD_REQUEST;
    case AuthError.UserNotFound:
      return HttpStatus.NOT_FOUND;
    case AuthError.LinkTokenGone:
      return HttpStatus.GONE;
    case AuthError.EmailNotVerified:
    case AuthError.RegistrationClosed:
      return HttpStatus.FORBIDDEN;
    case AuthError.InvalidCredentials:
    case AuthError.InvalidRefreshToken:
    case AuthError.InvalidMfaToken:
    case AuthError.InvalidSecondFactor:
      return HttpStatus.UNAUTHORIZED;
    case AuthError.CurrentPasswordWrong:
      return HttpStatus.FORBIDDEN;
    case AuthError.AccountLocked:
      return HttpStatus.LOCKED;
    case AuthError.Overloaded:
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

@Catch(AuthException)
export class AuthExceptionFilter implements ExceptionFilter {
  catch(exception: AuthException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendDomainError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      authErrorStatus(exception.code),
      exception,
    );
  }
}
