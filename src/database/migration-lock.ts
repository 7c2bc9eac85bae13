import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, Migration, MigrationExecutor, QueryRunner } from 'typeorm';

/** Arbitrary but fixed: the advisory lock every process that migrates competes for. */
const MIGRATION_LOCK_KEY = 0x7f0f_d1b0;
const POLL_MS = 200;
/** A migration that runs longer than this is stuck; the process waiting for it gives up. */
const GIVE_UP_MS = 15 * 60_000;

const logger = new Logger('Migrations');

/**
 * Runs `work` holding the migration lock: a session-level PostgreSQL advisory lock on one connection
 * of `dataSource`, released after (or when the process dies and its session ends). The lock is polled
 * with pg_try_advisory_lock rather than waited for with pg_advisory_lock: a session blocked in
 * pg_advisory_lock holds a snapshot, a CREATE INDEX CONCURRENTLY in the holder's migrations waits for
 * that snapshot, and PostgreSQL breaks the cycle by failing the waiter with "deadlock detected".
 */
export async function withMigrationLock<T>(
  dataSource: DataSource,
  work: (queryRunner: QueryRunner) => Promise<T>,
): Promise<T> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await acquire(queryRunner);
    try {
      return await work(queryRunner);
    } finally {
      await queryRunner.query(`SELECT pg_advisory_unlock($1)`, [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await queryRunner.release();
  }
}

/** Applies the pending migrations under the migration lock; another process's run is waited for, not repeated. */
export function runPendingMigrations(dataSource: DataSource): Promise<Migration[]> {
  return withMigrationLock(dataSource, (queryRunner) => {
    const executor = new MigrationExecutor(dataSource, queryRunner);
    executor.transaction = dataSource.options.migrationsTransactionMode ?? 'each';
    return executor.executePendingMigrations();
  });
}

/** Reverts the last applied migration under the migration lock. */
export function revertLastMigration(dataSource: DataSource): Promise<void> {
  return withMigrationLock(dataSource, (queryRunner) => {
    const executor = new MigrationExecutor(dataSource, queryRunner);
    executor.transaction = dataSource.options.migrationsTransactionMode ?? 'each';
    return executor.undoLastMigration();
  });
}

async function acquire(queryRunner: QueryRunner): Promise<void> {
  const giveUpAt = Date.now() + GIVE_UP_MS;
  for (let waited = false; ; waited = true) {
    const [{ locked }] = (await queryRunner.query(`SELECT pg_try_advisory_lock($1) AS locked`, [
      MIGRATION_LOCK_KEY,
    ])) as { locked: boolean }[];
    if (locked) {
      if (waited) logger.log('Got the migration lock');
      return;
    }
    if (!waited) logger.log('Another process is migrating this database; waiting for it to finish');
    if (Date.now() > giveUpAt) {
      throw new Error(`Gave up waiting for the migration lock after ${GIVE_UP_MS / 60_000} minutes`);
    }
    await sleep(POLL_MS);
  }
}
