import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { AppModule, AppModuleOptions } from './app.module';
import { sendError } from './common/filters/error-reply';
import { installRequestContext } from './common/http/request-context';
import { requestIdFor } from './common/http/request-id';
import { computeSecurityHeaders } from './common/http/security-headers';
import { Config } from './config/configuration';
import { RequestLogger } from './logging/request-logger';
import { MetricsService } from './metrics/metrics.service';
import { setupSwagger } from './swagger';

export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Builds the application exactly as it ships: `main.ts` and the e2e tests both come through here,
 * so adapter-level settings (body limit, proxy trust, security headers) are tested too.
 */
export async function createApp(config: Config, options: AppModuleOptions = {}): Promise<NestFastifyApplication> {
  const production = config.app.nodeEnv === 'production';
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    // Trust exactly TRUST_PROXY hops: a client can't spoof its address with X-Forwarded-For.
    trustProxy: (_address: string, hop: number) => hop < config.app.trustProxy,
    requestIdHeader: false,
    genReqId: requestIdFor,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, options), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  const fastify = app.getHttpAdapter().getInstance();
  await installRequestContext(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  app.get(MetricsService).observeHttp(fastify);
  app.get(RequestLogger).logRequests(fastify);
  // The API speaks JSON only: any other request body is refused before parsing.
  fastify.addHook('onRequest', (request, reply, done) => {
    const hasBody =
      request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    const type = request.headers['content-type'] ?? '';
    if (hasBody && request.headers['content-length'] !== '0' && !/^application\/json\s*(;|$)/i.test(type)) {
      sendError(request, reply, 415, `Unsupported Media Type: ${type.slice(0, 100) || 'none'}; send application/json`);
      return;
    }
    done();
  });

  await app.register(fastifyCookie);
  // Helmet's headers are the same for every request: computed once here, rather than by @fastify/helmet on
  // each request. Set on the raw response as helmet does (same names, letter case and order on the wire), and
  // where @fastify/helmet ran, after the media-type check.
  const securityHeaders = computeSecurityHeaders({
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
  fastify.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of securityHeaders) reply.raw.setHeader(name, value);
    done();
  });
  app.enableCors({
    origin: config.app.corsOrigins.length > 0 ? config.app.corsOrigins : false,
    credentials: true,
    exposedHeaders: ['X-Request-ID', 'Retry-After'],
  });
  setupSwagger(app);
  return app;
}
