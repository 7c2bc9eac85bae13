import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { sendError } from './common/filters/error-reply';
import { clientErrorReply, frameworkErrorReply } from './common/http/framework-replies';
import { installJsonBodyParser } from './common/http/json-body';
import { installRequestContext } from './common/http/request-context';
import { requestIdFor } from './common/http/request-id';
import { computeSecurityHeaders, SecurityHeaders } from './common/http/security-headers';
import { Config } from './config/configuration';
import { ManagementListener } from './health/management-listener';
import { ShutdownState } from './health/shutdown-state';
import { RequestLogger } from './logging/request-logger';
import { MetricsService } from './metrics/metrics.service';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 100 * 1024;

/** Header values the service stores (sessions, audit rows) may hold no control characters. */
const CONTROL_IN_HEADER = /[\u0000-\u001f\u007f]/;

function securityHeadersFor(production: boolean): SecurityHeaders {
  return computeSecurityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: production ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
}

/**
 * Builds the application exactly as it ships: `main.ts` and the e2e tests both come through here,
 * so adapter-level settings (body limit, proxy trust, security headers) are tested too.
 */
export async function createApp(config: Config, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  // Helmet's headers are the same for every request: computed once here, rather than by @fastify/helmet on
  // each request (same names, values and order; Fastify writes header names in lower case).
  const securityHeaders = securityHeadersFor(config.app.nodeEnv === 'production');
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Trust exactly TRUST_PROXY hops: a client can't spoof its address with X-Forwarded-For.
    trustProxy: (_address: string, hop: number) => hop < config.app.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdFor,
    // ShutdownState closes the listener and the connections itself, replying to every accepted request.
    forceCloseConnections: false,
    return503OnClosing: false,
    frameworkErrors: frameworkErrorReply(securityHeaders),
    clientErrorHandler: clientErrorReply(securityHeaders),
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  const shutdown = app.get(ShutdownState);
  // Through Fastify's reply headers, not the raw response's setHeader: Fastify passes them to writeHead with
  // its own, and Node validates each once, where setHeader validated and copied each before writeHead went
  // over them again (a sixth of the CPU of /health/live).
  const securityHeaderFields = Object.fromEntries(securityHeaders);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(securityHeaderFields);
    void reply.header('x-request-id', request.id);
    if (shutdown.shuttingDown) void reply.header('connection', 'close');
    done();
  });
  installRequestContext(fastify);
  app.get(MetricsService).observeHttp(fastify);
  app.get(RequestLogger).logRequests(fastify);
  app.get(ManagementListener).install(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    // The API speaks JSON only: any other request body is refused before parsing.
    const hasBody =
      request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    const type = request.headers['content-type'] ?? '';
    if (hasBody && request.headers['content-length'] !== '0' && !/^application\/json\s*(;|$)/i.test(type)) {
      sendError(request, reply, 415, `Unsupported Media Type: ${type.slice(0, 100) || 'none'}; send application/json`, {
        code: 'unsupported_media_type',
      });
      return;
    }
    const userAgent = request.headers['user-agent'];
    if (typeof userAgent === 'string' && CONTROL_IN_HEADER.test(userAgent)) {
      sendError(request, reply, 400, 'The User-Agent header contains a control character', { code: 'invalid_header' });
      return;
    }
    done();
  });
  installJsonBodyParser(app, BODY_LIMIT_BYTES);

  // Without CORS_ORIGINS nothing cross-origin is allowed, and no CORS plugin runs: with `origin: false` it
  // would only spend a hook on every request to find that out, and answer a preflight 404 as here.
  if (config.app.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.app.corsOrigins,
      credentials: true,
      exposedHeaders: ['X-Request-ID', 'Retry-After'],
    });
  }
  setupSwagger(app);
  return app;
}
