import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './error-reply';

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

function describe(exception: unknown): Described {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (typeof response === 'string') return { status, message: response, extra: {} };
    const { message, statusCode: _status, error: _error, ...extra } = response as Record<string, unknown>;
    const text = typeof message === 'string' || Array.isArray(message) ? (message as string | string[]) : undefined;
    return { status, message: text ?? exception.message, extra };
  }
  if (isClientError(exception)) return { status: exception.statusCode, message: exception.message, extra: {} };
  return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error', extra: {} };
}

/** Every error leaves as `{statusCode, error, message, requestId}`; nothing internal reaches the client. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, message, extra } = describe(exception);
    if (status >= 500 && !(exception instanceof HttpException)) {
      this.logger.error({ err: exception }, 'Unhandled error');
    }
    sendError(request, reply, status, message, extra);
  }
}
