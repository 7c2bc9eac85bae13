import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DataSource } from 'typeorm';
import { dependencyFailureOf } from '../common/filters/dependency-failure';
import { MigrationStatus } from '../database/migration-status';
import { OutageLog } from '../common/outage-log';
import { RedisConnection } from '../redis/redis.module';
import { ShutdownState } from './shutdown-state';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The readiness checks. The probe is unauthenticated, so a failing check is named and nothing more:
 * the driver's message (addresses, ports) goes to the log.
 */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly shutdown: ShutdownState,
    private readonly migrations: MigrationStatus,
    private readonly redis: RedisConnection,
    private readonly outages: OutageLog,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  lifecycle(): HealthIndicatorResult {
    const indicator = this.indicators.check('lifecycle');
    return this.shutdown.shuttingDown ? indicator.down({ message: 'shutting down' }) : indicator.up();
  }

  async database(timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('database');
    try {
      await withTimeout(this.dataSource.query('SELECT 1'), timeoutMs);
      return indicator.up();
    } catch (error) {
      this.outages.failure('database', dependencyFailureOf(error)?.reason ?? (error as Error).message, 'readiness');
      return indicator.down();
    }
  }

  async migrationsApplied(timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('migrations');
    try {
      const applied = await withTimeout(this.migrations.allApplied(), timeoutMs);
      return applied ? indicator.up() : indicator.down({ message: 'migrations pending' });
    } catch {
      // The database check above logs why the database did not answer.
      return indicator.down();
    }
  }

  /**
   * Redis holds only rate-limit counters, which fall back to each replica's memory while it is away:
   * it is reported (`status` up or down) but never makes the replica unready.
   */
  async redisStatus(timeoutMs: number): Promise<{ status: 'up' | 'down'; message?: string }> {
    const client = this.redis.client;
    if (!client) return { status: 'up', message: 'not configured' };
    if (client.status !== 'ready') return { status: 'down' };
    try {
      await withTimeout(client.ping(), timeoutMs);
      return { status: 'up' };
    } catch {
      return { status: 'down' };
    }
  }
}
