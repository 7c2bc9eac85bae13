import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AuthMetrics } from '../metrics/auth-metrics';

/** Arbitrary but fixed: the advisory lock every replica's cleanup competes for. */
const CLEANUP_LOCK_KEY = 0x7f0f_c1ea;
const BATCH_SIZE = 5_000;
const FIRST_UUID = '00000000-0000-0000-0000-000000000000';
/** Ended sessions and tokens are kept this long for support and forensics, then deleted. */
export const CLEANUP_RETENTION_DAYS = 7;

export interface CleanupReport {
  ran: boolean;
  sessions: number;
  refreshTokens: number;
  /** Audit events past AUDIT_RETENTION_DAYS. */
  auditEvents: number;
}

/**
 * Deletes sessions and refresh tokens that ended (expired or revoked) more than the retention window
 * ago. One replica at a time (a PostgreSQL advisory lock), in small batches so it never holds locks
 * that would stall logins.
 */
@Injectable()
export class SessionCleanupService {
  private readonly logger = new Logger(SessionCleanupService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
  ) {}

  /** Runs the cleanup once, counted in auth_cleanup_* (runs by result, deleted rows by table, duration). */
  async run(): Promise<CleanupReport> {
    const endTimer = this.metrics.cleanupDuration.startTimer();
    try {
      const report = await this.cleanUp();
      this.metrics.cleanupRuns.inc({ result: report.ran ? 'success' : 'skipped' });
      this.metrics.cleanupDeletedRows.inc({ table: 'sessions' }, report.sessions);
      this.metrics.cleanupDeletedRows.inc({ table: 'refresh_tokens' }, report.refreshTokens);
      this.metrics.cleanupDeletedRows.inc({ table: 'audit_events' }, report.auditEvents);
      return report;
    } catch (error) {
      this.metrics.cleanupRuns.inc({ result: 'failure' });
      throw error;
    } finally {
      endTimer();
    }
  }

  private async cleanUp(): Promise<CleanupReport> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [CLEANUP_LOCK_KEY])) as {
        locked: boolean;
      }[];
      if (!locked) {
        this.logger.log('Cleanup skipped: another replica is running it');
        return { ran: false, sessions: 0, refreshTokens: 0, auditEvents: 0 };
      }
      try {
        const before = new Date(this.clock.now().getTime() - CLEANUP_RETENTION_DAYS * 86_400_000);
        const refreshTokens = await this.deleteInBatches(
          runner,
          'refresh_tokens',
          'expires_at < $1 OR revoked_at < $1 OR used_at < $1',
          before,
        );
        const sessions = await this.deleteInBatches(
          runner,
          'sessions',
          'expires_at < $1 OR revoked_at < $1 OR idle_expires_at < $1',
          before,
        );
        const auditEvents = await this.audit.purgeExpired(runner.manager);
        if (auditEvents > 0) {
          // The purge itself goes on the record, so a gap at the start of the chain is explained.
          await runner.manager.transaction((manager) =>
            this.audit.record({ type: 'audit.purged', actorId: 'system', details: { deleted: auditEvents } }, manager),
          );
        }
        this.logger.log(
          { sessions, refreshTokens, auditEvents },
          'Cleanup deleted ended sessions, tokens and old audit events',
        );
        return { ran: true, sessions, refreshTokens, auditEvents };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock($1)`, [CLEANUP_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }

  /**
   * Deletes the rows of `table` matching `ended` in batches of BATCH_SIZE, walking the primary key: each
   * batch starts after the last id of the one before, so no batch scans again the rows (dead, until
   * vacuumed) that earlier batches deleted. Restarting from the front each time made the cleanup of a
   * million rows quadratic.
   */
  private async deleteInBatches(
    runner: QueryRunner,
    table: 'sessions' | 'refresh_tokens',
    ended: string,
    before: Date,
  ): Promise<number> {
    let total = 0;
    let after = FIRST_UUID;
    for (;;) {
      const [batch] = (await runner.query(
        `WITH batch AS MATERIALIZED (
           SELECT id FROM ${table} WHERE id > $3 AND (${ended}) ORDER BY id LIMIT $2
         ), gone AS (
           DELETE FROM ${table} t USING batch WHERE t.id = batch.id RETURNING t.id
         )
         SELECT (SELECT count(*) FROM batch)::int AS scanned, (SELECT count(*) FROM gone)::int AS deleted,
                (SELECT id FROM batch ORDER BY id DESC LIMIT 1) AS last`,
        [before, BATCH_SIZE, after],
      )) as { scanned: number; deleted: number; last: string | null }[];
      total += batch.deleted;
      if (batch.scanned < BATCH_SIZE || batch.last === null) return total;
      after = batch.last;
    }
  }
}
