import { Logger } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import { RedisThrottlerStorage } from './redis-throttler.storage';

type ThrottlerRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** After a failed command, how long requests skip Redis before one of them tries it again. */
const RETRY_AFTER_FAILURE_MS = 1000;

/**
 * Rate-limit counters in Redis, shared by the replicas, while Redis answers; this replica's own memory
 * while it does not (down, or slower than REDIS_COMMAND_TIMEOUT_MS), so a Redis outage neither fails
 * nor stalls a request. Each change of state is logged once and shown by `auth_rate_limit_fallback`;
 * shared counting resumes by itself once a command succeeds again.
 */
export class FallbackThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly shared: RedisThrottlerStorage;
  private readonly local = new ThrottlerStorageService();
  private readonly fallbackGauge: Gauge;
  private degraded = false;
  /** Wall-clock time (ms) before which Redis is not asked again; operational timing, not a business rule. */
  private retryAt = 0;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    registry: Registry,
  ) {
    this.shared = new RedisThrottlerStorage(redis, prefix);
    this.fallbackGauge = new Gauge({
      name: 'auth_rate_limit_fallback',
      help: '1 while this replica counts rate limits in its own memory because Redis is unavailable',
      registers: [registry],
    });
    this.fallbackGauge.set(0);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerRecord> {
    // Not connected: no command is sent (it would fail at once anyway); reconnecting goes on meanwhile.
    // After a failure (a frozen Redis times out every command), one request a second tries Redis again.
    if (this.redis.status === 'ready') {
      if (Date.now() >= this.retryAt) {
        try {
          const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
          this.setDegraded(false);
          return record;
        } catch (error) {
          this.retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
          this.setDegraded(true, (error as Error).message);
        }
      }
    } else {
      this.setDegraded(true, `connection ${this.redis.status}`);
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  private setDegraded(degraded: boolean, reason?: string): void {
    if (degraded === this.degraded) return;
    this.degraded = degraded;
    this.fallbackGauge.set(degraded ? 1 : 0);
    if (degraded) this.logger.warn(`Redis unavailable (${reason}); counting rate limits per replica`);
    else this.logger.warn('Redis is back; rate limits are shared again');
  }
}
