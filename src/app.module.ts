import { DynamicModule, Module, ValidationPipe } from '@nestjs/common';
import { Writable } from 'node:stream';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { Clock, SystemClock } from './common/clock/clock';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { Config, configFactories } from './config/configuration';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LOG_DESTINATION, LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { RedisModule } from './redis/redis.module';

export interface AppModuleOptions {
  /** Tests pass a clock they can move; the service runs on the system clock. */
  clock?: Clock;
  /** Where JSON log lines go; standard output when unset. Tests capture logs through it. */
  logDestination?: Writable;
}

@Module({})
export class AppModule {
  static register(config: Config, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: configFactories(config) }),
        LoggingModule,
        RedisModule,
        DatabaseModule,
        HealthModule,
        MetricsModule,
      ],
      providers: [
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: LOG_DESTINATION, useValue: options.logDestination },
        {
          provide: APP_PIPE,
          useValue: new ValidationPipe({
            whitelist: true,
            forbidNonWhitelisted: true,
            transform: true,
            stopAtFirstError: false,
          }),
        },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
      exports: [Clock, LOG_DESTINATION],
      global: true,
    };
  }
}
