import { TestApp } from '../support/test-app';

const DAY = 86_400_000;

/** The advisory lock key of the session cleanup (SessionCleanupService). */
const CLEANUP_LOCK = 0x7f0fc1ea;

/**
 * `count` sessions of the user with a refresh token each, written in one statement: the volume the
 * cleanup works through in batches, which that many logins could not build in test time. Ended ones
 * expired 8 days before the test clock's now (past the 7-day retention), live ones expire a day after it.
 */
export async function bulkSessions(t: TestApp, userId: string, { count, ended }: { count: number; ended: boolean }) {
  const now = t.clock.now().getTime();
  await t.dataSource.query(
    `WITH made AS (
       INSERT INTO sessions (user_id, created_at, last_seen_at, idle_expires_at, expires_at, aal, amr, scope)
       SELECT $1, $2, $2, $3, $3, 'aal1', '{pwd}', 'full' FROM generate_series(1, $4::int)
       RETURNING id, expires_at)
     INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
     SELECT id, md5(id::text) || md5(id::text || 't'), $2, expires_at FROM made`,
    [userId, new Date(now - (ended ? 9 : 0) * DAY), new Date(now + (ended ? -8 : 1) * DAY), count],
  );
}

/**
 * Runs `work` while another replica is in the middle of a cleanup run: a second connection holds the
 * cleanup's advisory lock. Needs PostgreSQL (PGlite has one backend, so the lock would be this app's own).
 */
export async function whileAnotherReplicaCleansUp<T>(t: TestApp, work: () => Promise<T>): Promise<T> {
  const holder = t.dataSource.createQueryRunner();
  await holder.connect();
  await holder.query(`SELECT pg_advisory_lock($1)`, [CLEANUP_LOCK]);
  try {
    return await work();
  } finally {
    await holder.query(`SELECT pg_advisory_unlock($1)`, [CLEANUP_LOCK]);
    await holder.release();
  }
}
