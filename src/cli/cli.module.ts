import { DynamicModule, INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { Clock, SystemClock } from '../common/clock/clock';
import { Config, configFactories } from '../config/configuration';
import { DatabaseModule } from '../database/database.module';
import { MfaCoreModule } from '../mfa/mfa-core.module';
import { SessionCoreModule } from '../session/session-core.module';

/**
 * What the operator commands call, and nothing of the service around them: no HTTP server or routes,
 * no scheduler (the cleanup job), no admin bootstrap, no Redis or rate limits.
 */
@Module({})
export class CliModule {
  static register(config: Config): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: configFactories(config) }),
        DatabaseModule,
        AuditModule,
        SessionCoreModule,
        UsersModule,
        MfaCoreModule,
      ],
      providers: [{ provide: Clock, useValue: new SystemClock() }],
      exports: [Clock],
      global: true,
    };
  }
}

/** The CLI's Nest context; its log lines stay buffered (a command answers on stdout/stderr itself). */
export function createCliContext(config: Config): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(CliModule.register(config), { bufferLogs: true, abortOnError: false });
}
