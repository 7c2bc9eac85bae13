import { TestApp } from './test-app';

/**
 * Reads of what the database holds, for tests whose claim is about storage itself: a secret kept only
 * as a hash, an audit row without a secret, nothing left of a deleted account. Rows come back as
 * stored, with their column names. Setup never goes through here: it uses the API, the test clock or
 * test/factories.
 */
type Db = Pick<TestApp, 'dataSource'>;

export interface StoredAuditEvent {
  id: string;
  occurred_at: Date;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** The audit trail in chain order; only a user's rows, or one type's, when asked. */
export function storedAuditEvents(t: Db, only: { userId?: string; type?: string } = {}): Promise<StoredAuditEvent[]> {
  return t.dataSource.query(
    `SELECT * FROM audit_events WHERE ($1::uuid IS NULL OR user_id = $1) AND ($2::text IS NULL OR type = $2) ORDER BY id`,
    [only.userId ?? null, only.type ?? null],
  );
}

/** The user's row, every column; undefined when there is none. */
export async function storedUser(t: Db, userId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await t.dataSource.query(`SELECT * FROM users WHERE id = $1`, [userId]);
  return row;
}

/** Every user row, every column, oldest first. */
export function storedUsers(t: Db): Promise<Record<string, unknown>[]> {
  return t.dataSource.query(`SELECT * FROM users ORDER BY created_at, id`);
}

/** Tables whose rows belong to one user through `user_id`. */
export type UserTable =
  'sessions' | 'mfa_backup_codes' | 'mfa_challenges' | 'password_history' | 'one_time_tokens' | 'webauthn_credentials';

/** The user's rows of `table`, oldest first. */
export function storedRowsOf(t: Db, table: UserTable, userId: string): Promise<Record<string, unknown>[]> {
  return t.dataSource.query(`SELECT * FROM ${table} WHERE user_id = $1 ORDER BY created_at, id`, [userId]);
}

/** The refresh tokens of all the user's sessions, oldest first. */
export function storedRefreshTokens(t: Db, userId: string): Promise<Record<string, unknown>[]> {
  return t.dataSource.query(
    `SELECT r.* FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $1
      ORDER BY r.created_at, r.id`,
    [userId],
  );
}

/** The feature flag rows: only flags someone changed have one. */
export function storedFeatureFlags(t: Db): Promise<Record<string, unknown>[]> {
  return t.dataSource.query(`SELECT * FROM feature_flags ORDER BY key`);
}

/** The SQL statements the app ran during `work`: to assert which reads a code path makes, or skips. */
export async function queriesDuring(t: Db, work: () => Promise<unknown>): Promise<string[]> {
  const logged = jest.spyOn(t.dataSource.logger, 'logQuery');
  try {
    await work();
    return logged.mock.calls.map(([query]) => query);
  } finally {
    logged.mockRestore();
  }
}
