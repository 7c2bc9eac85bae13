import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { DomainException } from '../common/filters/domain.exception';
import { sendDomainError } from '../common/filters/error-reply';

export enum SessionError {
  NotFound = 'session_not_found',
  Expired = 'session_expired',
}

export class SessionException extends DomainException<SessionError> {}

export function sessionErrorStatus(code: SessionError): HttpStatus {
  switch (code) {
    case SessionError.NotFound:
      return HttpStatus.NOT_FOUND;
    case SessionError.Expired:
      return HttpStatus.UNAUTHORIZED;
  }
}

@Catch(SessionException)
export class SessionExceptionFilter implements ExceptionFilter {
  catch(exception: SessionException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendDomainError(
      http.getRequest<FastifyRequest>(),
      http.getResponse<FastifyReply>(),
      sessionErrorStatus(exception.code),
      exception,
    );
  }
}
