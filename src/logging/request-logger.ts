import { Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { Logger } from 'pino';

const MAX_LOGGED_HEADER = 200;
const UNLOGGED_URL = '/health/live';

/**
 * One line per request once its response is closed: the line pino-http wrote (same fields, messages and
 * level), without its middleware, which built child loggers and listeners for every request even when
 * the level left the line out.
 */
@Injectable()
export class RequestLogger {
  constructor(private readonly pino: PinoLogger) {}

  /**
   * Replies sent by hooks that run before this one (CORS preflights, 503 while closing) are not logged,
   * as pino-http, which ran at this point of the request, did not log them.
   */
  logRequests(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', (request, reply, done) => {
      const logger = this.pino.logger;
      if (logger.isLevelEnabled('info') && request.url !== UNLOGGED_URL) {
        const start = Date.now();
        // 'close' rather than an onResponse hook: it also comes when the client goes away first.
        reply.raw.once('close', () => writeRequestLine(logger, request, reply, Date.now() - start));
      }
      done();
    });
  }
}

function writeRequestLine(logger: Logger, request: FastifyRequest, reply: FastifyReply, responseTime: number): void {
  const requestId = String(request.id);
  // Only what an operator needs: no headers, so no Authorization or Cookie can leak.
  const req = {
    method: request.method,
    url: request.url,
    userAgent: String(request.headers['user-agent'] ?? '').slice(0, MAX_LOGGED_HEADER),
  };
  const res = { statusCode: reply.statusCode };
  // A 5xx has its one error line from the exception filter: this line carries no error or stack of its own.
  if (res.statusCode >= 500) {
    logger.info({ requestId, req, res, responseTime }, 'request errored');
  } else if (request.raw.readableAborted || !reply.raw.writableEnded) {
    logger.info({ requestId, req, res, responseTime }, 'request aborted');
  } else {
    logger.info({ requestId, req, res, responseTime }, 'request completed');
  }
}
