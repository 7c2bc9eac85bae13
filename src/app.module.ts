import { DynamicModule, Module } from '@nestjs/common';
import { Writable } from 'node:stream';
import { ConfigModule } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { APP_FILTER, APP_GUARD, APP_PIPE, RouterModule } from '@nestjs/core';
import { AccountModule } from './account/account.module';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { AuthorizationGuard } from './auth/guards/authorization.guard';
import { JwtAuthGuard } from './auth/guards/jwt-auth.guard';
import { TokensModule } from './tokens/tokens.module';
import { Clock, SystemClock } from './common/clock/clock';
import { DOMAIN_ERROR_MAPPINGS } from './common/filters/domain-error-status';
import { HttpExceptionFilter } from './common/filters/http-exception.filter';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { BodylessRouteGuard } from './common/validation/bodyless-route.guard';
import { StrictValidationPipe } from './common/validation/strict-validation.pipe';
import { Config, configFactories } from './config/configuration';
import { DatabaseModule } from './database/database.module';
import { DOMAIN_ERRORS } from './domain-errors';
import { FeatureFlagModule } from './feature-flags/feature-flag.module';
import { HealthModule } from './health/health.module';
import { LOG_DESTINATION, LoggingModule } from './logging/logging.module';
import { OutageLog } from './common/outage-log';
import { MetricsModule } from './metrics/metrics.module';
import { DevicesModule } from './devices/devices.module';
import { MfaModule } from './mfa/mfa.module';
import { RedisModule } from './redis/redis.module';
import { SessionModule } from './session/session.module';

/** The REST API lives under /api/v1; probes, metrics and docs stay at the root. */
export const API_PREFIX = 'api/v1';
const API_MODULES = [AuthModule, AccountModule, SessionModule, MfaModule, DevicesModule, AdminModule];

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
        ScheduleModule.forRoot(),
        RedisModule,
        RateLimitModule,
        DatabaseModule,
        HealthModule,
        MetricsModule,
        FeatureFlagModule,
        ...API_MODULES,
        TokensModule,
        RouterModule.register(API_MODULES.map((module) => ({ path: API_PREFIX, module }))),
      ],
      providers: [
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        { provide: LOG_DESTINATION, useValue: options.logDestination },
        OutageLog,
        { provide: DOMAIN_ERROR_MAPPINGS, useValue: DOMAIN_ERRORS },
        // Every global enhancer is registered here and nowhere else; Nest runs global guards in this order.
        // 1. Per-IP and per-email rate limits, before authentication, so a flood is refused before any token
        //    check or database read. Per-user limits skip this pass and run at route level (@UseGuards).
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        // 2. Deny by default: a valid access token (bearer, or cookie with the CSRF header) and a live session.
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        // 3. What that caller may do: token scope, roles, and aal2 where a route requires it.
        { provide: APP_GUARD, useExisting: AuthorizationGuard },
        // 4. After those: refuse a body on a route that takes none. Then DTOs are validated strictly. No global
        //    interceptor: with one, Nest runs every request through RxJS.
        { provide: APP_GUARD, useClass: BodylessRouteGuard },
        { provide: APP_PIPE, useClass: StrictValidationPipe },
        // 5. The one exception filter: domain exceptions (DOMAIN_ERRORS), HTTP and Fastify errors, outages.
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
      exports: [Clock, LOG_DESTINATION, OutageLog],
      global: true,
    };
  }
}
