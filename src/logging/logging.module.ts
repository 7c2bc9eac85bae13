import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { Options } from 'pino-http';
import { currentClient } from '../common/http/request-context';
import { Config } from '../config/configuration';
import { redactSecrets } from './redact';
import { RequestLogger } from './request-logger';

/** Injection token for the stream log lines are written to (undefined: standard output). */
export const LOG_DESTINATION = Symbol('LOG_DESTINATION');

/** Every line logged while serving a request carries its id, from the request context. */
function requestIdOfCurrentRequest(): { requestId?: string } {
  const requestId = currentClient()?.requestId;
  return requestId ? { requestId } : {};
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService, LOG_DESTINATION],
      useFactory: (config: ConfigService<Config, true>, destination: Writable | undefined) => {
        const app = config.get('app', { infer: true });
        const options: Options = {
          level: app.logLevel,
          mixin: requestIdOfCurrentRequest,
          // The request line is built by RequestLogger: no pino-http serializers for `req` and `res`.
          wrapSerializers: false,
          formatters: { log: (object: Record<string, unknown>) => redactSecrets(object) as Record<string, unknown> },
        };
        if (!destination && app.nodeEnv === 'development') {
          options.transport = { target: 'pino-pretty', options: { singleLine: true } };
        }
        // No route: the pino-http middleware would build a child logger and listeners for every request.
        return { forRoutes: [], pinoHttp: destination ? [options, destination] : options };
      },
    }),
  ],
  providers: [RequestLogger],
  exports: [RequestLogger],
})
export class LoggingModule {}
