import { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { Socket } from 'node:net';
import { sendError } from '../filters/error-reply';
import { frameworkErrorCode } from '../filters/framework-error-code';
import { SecurityHeaders } from './security-headers';

const ROUTING_MESSAGES: Record<string, string> = {
  bad_url: 'The URL is not validly percent-encoded',
  uri_too_long: 'A path parameter is longer than 100 characters',
};

/**
 * Fastify's routing errors (bad percent-encoding, an over-long path parameter) come before any hook:
 * they get the security headers, the request id and the error shape here.
 */
export function frameworkErrorReply(securityHeaders: SecurityHeaders) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    void reply.header('x-request-id', request.id);
    const code = frameworkErrorCode(error);
    sendError(request, reply, error.statusCode ?? 400, ROUTING_MESSAGES[code] ?? 'Bad request', { code });
  };
}

function clientErrorOf(error: NodeJS.ErrnoException): [status: number, code: string, message: string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request_timeout', 'The request took too long to arrive'];
  if (error.code === 'HPE_HEADER_OVERFLOW') return [431, 'headers_too_large', 'The request headers are too large'];
  return [400, 'malformed_request', 'The request is not well-formed HTTP'];
}

/**
 * Requests Node's HTTP parser refuses (a malformed request line or header, headers over the limit, a
 * timeout) never reach Fastify: the reply is written to the socket here, in the error shape.
 */
export function clientErrorReply(securityHeaders: SecurityHeaders) {
  return function (this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code, message] = clientErrorOf(error);
    const requestId = randomUUID();
    const error_ = STATUS_CODES[status] ?? 'Error';
    const body = JSON.stringify({ statusCode: status, error: error_, message, code, requestId });
    const head = [
      `HTTP/1.1 ${status} ${error_}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      `x-request-id: ${requestId}`,
      ...securityHeaders.map(([name, value]) => `${name}: ${value}`),
    ];
    if (socket.writable) socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    socket.destroy(error);
  };
}
