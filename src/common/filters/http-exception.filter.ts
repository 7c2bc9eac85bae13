import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Inject, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { OutageLog } from '../outage-log';
import { DEPENDENCY_RETRY_AFTER_SECONDS, dependencyFailureOf } from './dependency-failure';
import { DOMAIN_ERROR_MAPPINGS, DomainErrorMapping, domainErrorStatus, isDomainException } from './domain-error-status';
import { sendDomainError, sendError } from './error-reply';
import { frameworkErrorCode } from './framework-error-code';

interface Described {
  status: number;
  message: string | string[];
  extra: Record<string, unknown>;
}

/** Fastify's own client errors (malformed JSON, body too large, media type) carry a 4xx statusCode. */
function isClientError(error: unknown): error is Error & { statusCode: number } {
  if (!(error instanceof Error)) return false;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500;
}

function describeHttpException(exception: HttpException): Described {
  const status = exception.getStatus();
  const response = exception.getResponse();
  // Nest turns Fastify's client errors (body too large, bad content length) into an HttpException.
  if (typeof response === 'string') {
    const cause = exception.cause;
    return { status, message: response, extra: isClientError(cause) ? { code: frameworkErrorCode(cause) } : {} };
  }
  const { message, statusCode: _status, error: _error, ...extra } = response as Record<string, unknown>;
  const text = typeof message === 'string' || Array.isArray(message) ? (message as string | string[]) : undefined;
  return { status, message: text ?? exception.message, extra };
}

/**
 * The one exception filter. Every error leaves as `{statusCode, error, message, code?, requestId}`;
 * nothing internal reaches the client. A module's domain exception gets the status its module's table
 * gives its code, with its `extra` fields and Retry-After. A database outage is a 503
 * `dependency_unavailable` with Retry-After, logged once per window without a stack; anything else
 * unexpected (a domain exception no module mapped included) is a 500 logged once with its stack.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(
    private readonly outages: OutageLog,
    @Inject(DOMAIN_ERROR_MAPPINGS) private readonly domainErrors: readonly DomainErrorMapping[],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    if (isDomainException(exception)) {
      const status = domainErrorStatus(this.domainErrors, exception);
      if (status !== undefined) {
        sendDomainError(request, reply, status, exception);
        return;
      }
    }
    if (exception instanceof HttpException) {
      const { status, message, extra } = describeHttpException(exception);
      sendError(request, reply, status, message, extra);
      return;
    }
    if (isClientError(exception)) {
      sendError(request, reply, exception.statusCode, exception.message, { code: frameworkErrorCode(exception) });
      return;
    }
    const failure = dependencyFailureOf(exception);
    if (failure) {
      this.outages.failure(failure.dependency, failure.reason, `${request.method} ${request.routeOptions.url ?? ''}`);
      void reply.header('retry-after', String(DEPENDENCY_RETRY_AFTER_SECONDS));
      sendError(
        request,
        reply,
        HttpStatus.SERVICE_UNAVAILABLE,
        'A service this request needs is unavailable; retry later',
        {
          code: 'dependency_unavailable',
        },
      );
      return;
    }
    this.logger.error({ err: exception }, 'Unhandled error');
    sendError(request, reply, HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
