import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainException } from '../common/filters/domain.exception';
import { sendDomainError } from '../common/filters/error-reply';

export enum MfaError {
  AlreadyEnabled = 'mfa_already_enabled',
  NotPending = 'mfa_setup_not_started',
  InvalidCode = 'mfa_invalid_code',
  ReauthenticationRequired = 'reauthentication_required',
  NotEnabled = 'mfa_not_enabled',
  EnrollmentRequired = 'mfa_enrollment_required',
  ReasonRequired = 'reason_required',
  UserNotFound = 'user_not_found',
}

export class MfaException extends DomainException<MfaError> {}

export function mfaErrorStatus(code: MfaError): HttpStatus {
  switch (code) {
    case MfaError.AlreadyEnabled:
    case MfaError.NotPending:
      return HttpStatus.CONFLICT;
    case MfaError.InvalidCode:
    case MfaError.ReasonRequired:
      return HttpStatus.BAD_REQUEST;
    case MfaError.UserNotFound:
      return HttpStatus.NOT_FOUND;
    case MfaError.ReauthenticationRequired:
    case MfaError.EnrollmentRequired:
      return HttpStatus.FORBIDDEN;
    case MfaError.NotEnabled:
      return HttpStatus.CONFLICT;
  }
}

@Catch(MfaException)
export class MfaExceptionFilter implements ExceptionFilter {
  catch(exception: MfaException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendDomainError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      mfaErrorStatus(exception.code),
      exception,
    );
  }
}
