import { ExecutionContext, Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ThrottlerModule } from '@nestjs/throttler';
import { Config } from '../config/configuration';
import { RedisConnection } from '../redis/redis.module';
import { AuthUser } from '../common/auth/auth-user';
import { RATE_LIMIT_KEY, RateLimitName } from './rate-limit.decorator';
import { RateLimitGuard, Throttling } from './rate-limit.guard';
import { MetricsService } from '../metrics/metrics.service';
import { MetricsModule } from '../metrics/metrics.module';
import { FallbackThrottlerStorage } from './fallback-throttler.storage';

const NAMES: RateLimitName[] = [
  'login',
  'login2fa',
  'register',
  'passwordReset',
  'refresh',
  'mfaSetup',
  'magicLink',
  'emailVerify',
  'sensitiveAction',
  'passkey',
];
/** Limits counted per signed-in user rather than per IP; their routes add `@UseGuards(RateLimitGuard)`. */
const PER_USER = new Set<RateLimitName>(['mfaSetup', 'sensitiveAction']);
/** Limits that also count per target email address (mail-bombing one person from many IPs). */
const PER_EMAIL: RateLimitName[] = ['passwordReset', 'magicLink', 'emailVerify'];

function emailOf(request: Record<string, unknown>): string | undefined {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' && email.trim() !== '' ? email.trim().toLowerCase() : undefined;
}

function userOf(context: ExecutionContext): AuthUser | undefined {
  return context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
}

/**
 * One named throttler per configured limit; each applies only to the routes marked `@RateLimit(name)`.
 * Counters live in Redis when REDIS_URL is set (shared by replicas), in memory otherwise. Global, as the
 * throttler's own module is: a controller's `@UseGuards(RateLimitGuard)` builds the guard in its module.
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [MetricsModule],
      inject: [ConfigService, RedisConnection, MetricsService],
      useFactory: (config: ConfigService<Config, true>, redis: RedisConnection, metrics: MetricsService) => {
        const limits = config.get('ops.rateLimit', { infer: true });
        return {
          setHeaders: false,
          throttlers: [
            ...NAMES.map((name) => ({
              name,
              limit: limits[name].limit,
              ttl: limits[name].ttlMs,
              skipIf: (context: ExecutionContext) => {
                if (!limits.enabled || Reflect.getMetadata(RATE_LIMIT_KEY, context.getHandler()) !== name) return true;
                // The global pass runs before authentication: per-user limits wait for the route-level pass.
                return PER_USER.has(name) && !userOf(context);
              },
              getTracker: (request: Record<string, unknown>, context: ExecutionContext) =>
                (PER_USER.has(name) ? userOf(context)?.userId : undefined) ?? String(request.ip),
            })),
            ...PER_EMAIL.map((name) => ({
              name: `${name}PerEmail`,
              limit: limits[name].limit,
              ttl: limits[name].ttlMs,
              skipIf: (context: ExecutionContext) =>
                !limits.enabled ||
                Reflect.getMetadata(RATE_LIMIT_KEY, context.getHandler()) !== name ||
                !emailOf(context.switchToHttp().getRequest<Record<string, unknown>>()),
              getTracker: (request: Record<string, unknown>) => `email:${emailOf(request)}`,
            })),
          ],
          storage: redis.client
            ? new FallbackThrottlerStorage(
                redis.client,
                config.get('ops.redisKeyPrefix', { infer: true }),
                metrics.registry,
              )
            : undefined,
        };
      },
    }),
  ],
  // AppModule registers RateLimitGuard as a global guard, ahead of authentication.
  providers: [Throttling, RateLimitGuard],
  exports: [Throttling, RateLimitGuard],
})
export class RateLimitModule {}
