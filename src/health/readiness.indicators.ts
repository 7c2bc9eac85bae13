import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { MigrationStatus } from '../database/migration-status';
import { RedisConnection } from '../redis/redis.module';
import { ShutdownState } from './shutdown-state';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The readiness checks that Terminus has no built-in indicator for. */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly migrations: MigrationStatus,
    private readonly redis: RedisConnection,
  ) {}

  lifecycle(): HealthIndicatorResult {
    const indicator = this.indicators.check('lifecycle');
    return this.shutdown.shuttingDown ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }

  async migrationsApplied(timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('migrations');
    try {
      const applied = await withTimeout(this.migrations.allApplied(), timeoutMs);
      return applied ? indicator.up() : indicator.down({ message: 'migrations pending' });
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }

  async redisPing(timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    const client = this.redis.client;
    if (!client) return indicator.up({ message: 'not configured' });
    try {
      await withTimeout(client.ping(), timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
