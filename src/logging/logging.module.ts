import { Module, RequestMethod } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { Options } from 'pino-http';
import { Config } from '../config/configuration';
import { redactSecrets } from './redact';

/** Request ids are assigned by Fastify (see app.factory) and kept on the raw request. */
type RawRequest = IncomingMessage & { originalUrl?: string };

const MAX_LOGGED_HEADER = 200;

/** Injection token for the stream log lines are written to (undefined: standard output). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: ConfigService<Config, true>, destination: Writable | undefined) => {
        const app = config.get('app', { infer: true });
        const options: Options = {
          level: app.logLevel,
          genReqId: (req: IncomingMessage) => req.id ?? 'unknown',
          customAttributeKeys: { reqId: 'requestId' },
          // Every line of a request carries its id, not the whole request object.
          quietReqLogger: true,
          // Only what an operator needs: no headers, so no Authorization or Cookie can leak.
          serializers: {
            req: (req: RawRequest) => ({
              method: req.method,
              url: req.url,
              userAgent: String(req.headers?.['user-agent'] ?? '').slice(0, MAX_LOGGED_HEADER),
            }),
            res: (res: ServerResponse & { raw?: ServerResponse }) => ({
              statusCode: res.raw?.statusCode ?? res.statusCode,
            }),
          },
          formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown> },
          autoLogging: {
            ignore: (req: IncomingMessage) => ((req as RawRequest).originalUrl ?? req.url) === '/health/live',
          },
        };
        // One route for everything: the default also adds excluded paths and then logs some requests twice.
        const forRoutes = [{ path: '*path', method: RequestMethod.ALL }];
        if (destination) return { forRoutes, pinoHttp: [options, destination] };
        if (app.nodeEnv === 'development') {
          options.transport = { target: 'pino-pretty', options: { singleLine: true } };
        }
        return { forRoutes, pinoHttp: options };
      },
    }),
  ],
})
export class LoggingModule {}
