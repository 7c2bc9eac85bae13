import { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { DomainException } from './domain.exception';

export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  requestId: string;
  [extra: string]: unknown;
}

/** Writes the one error shape every failure shares. */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string | string[],
  extra: Record<string, unknown> = {},
): void {
  const body: ErrorBody = {
    ...extra,
    statusCode: status,
    error: STATUS_CODES[status] ?? 'Error',
    message,
    requestId: String(request.id),
  };
  void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
}

/** Sends a domain exception with the status its module's filter chose. */
export function sendDomainError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  exception: DomainException<string>,
): void {
  if (exception.retryAfterSeconds !== undefined) void reply.header('retry-after', String(exception.retryAfterSeconds));
  sendError(request, reply, status, exception.message, { code: exception.code, ...exception.extra });
}
