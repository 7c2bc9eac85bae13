import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { bulkSessions, whileAnotherReplicaCleansUp } from './factories/session.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedRefreshTokens, storedRowsOf } from './support/db-inspect';
import { describeOnPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;

describe('session cleanup', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The seeding writes 15,000 sessions in single statements, which took PGlite over the default 5 s
    // statement timeout on a busy shared machine; no test here is about that timeout.
    t = await startTestApp({ env: { DATABASE_STATEMENT_TIMEOUT_MS: '60000' } });
  });

  afterAll(async () => {
    await t.close();
  });

  const count = async (table: 'sessions' | 'refresh_tokens', userId: string): Promise<number> =>
    (table === 'sessions' ? await storedRowsOf(t, 'sessions', userId) : await storedRefreshTokens(t, userId)).length;

  it('deletes sessions and tokens that ended over a week ago and keeps live ones', async () => {
    const old = await registerUser(t.http);
    const loggedOut = await login(t.http, old);
    await t.http.post('/api/v1/auth/logout', undefined, { token: loggedOut.accessToken });
    await login(t.http, old);

    t.clock.advance(8 * DAY);
    const live = await signedInUser(t.http);
    expect(await count('sessions', old.id)).toBe(2);

    const report = await t.app.get(SessionCleanupService).run();
    expect(report.ran).toBe(true);
    expect(report.sessions).toBeGreaterThanOrEqual(2);
    expect(await count('sessions', old.id)).toBe(0);
    expect(await count('refresh_tokens', old.id)).toBe(0);
    expect(await count('sessions', live.id)).toBe(1);
    expect((await t.http.get('/api/v1/auth/me', { token: live.accessToken })).status).toBe(200);
  });

  it('deletes ended rows across many batches and nothing live between them', async () => {
    const user = await registerUser(t.http);
    await bulkSessions(t, user.id, { count: 12_000, ended: true });
    await bulkSessions(t, user.id, { count: 3_000, ended: false });
    const report = await t.app.get(SessionCleanupService).run();
    expect(report).toMatchObject({ ran: true, sessions: 12_000, refreshTokens: 12_000 });
    expect(await count('sessions', user.id)).toBe(3_000);
    expect(await count('refresh_tokens', user.id)).toBe(3_000);
  });

  it('keeps recently ended sessions for the retention window', async () => {
    const user = await signedInUser(t.http);
    await t.http.post('/api/v1/auth/logout', undefined, { token: user.accessToken });
    t.clock.advance(2 * DAY);
    await t.app.get(SessionCleanupService).run();
    expect(await count('sessions', user.id)).toBe(1);
  });
});

// Refresh tokens and device links hang off a session by statement-level triggers (migration
// 1763701400000), not foreign keys: what the keys guaranteed, shown on the stored rows themselves.
describe('rows that hang off a session', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  /** A device link row for `sessionId`, on a device of the user made for the purpose. */
  async function linkDevice(userId: string, sessionId: string): Promise<void> {
    const [{ id }] = await t.dataSource.query(
      `INSERT INTO trusted_devices (user_id, token_hash, created_at, expires_at)
       VALUES ($1, md5(random()::text) || md5(random()::text), now(), now() + interval '30 days') RETURNING id`,
      [userId],
    );
    await t.dataSource.query(`INSERT INTO trusted_device_sessions (session_id, device_id) VALUES ($1, $2)`, [
      sessionId,
      id,
    ]);
  }

  const dependentsOf = async (sessionIds: string[]) => {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM refresh_tokens WHERE session_id = ANY($1))::int AS tokens,
              (SELECT count(*) FROM trusted_device_sessions WHERE session_id = ANY($1))::int AS links`,
      [sessionIds],
    );
    return row as { tokens: number; links: number };
  };

  it('deletes the refresh tokens and device links of the sessions the cleanup deletes, and no others', async () => {
    const user = await registerUser(t.http);
    await bulkSessions(t, user.id, { count: 6_000, ended: true });
    await bulkSessions(t, user.id, { count: 10, ended: false });
    const sessions = (await storedRowsOf(t, 'sessions', user.id)) as { id: string; expires_at: Date }[];
    const ended = sessions.filter((s) => s.expires_at < t.clock.now()).map((s) => s.id);
    const live = sessions.filter((s) => s.expires_at > t.clock.now()).map((s) => s.id);
    await linkDevice(user.id, ended[0]);
    await linkDevice(user.id, live[0]);
    // Their tokens outlive the cleanup's token pass (it goes first), so only the sessions' delete can take them.
    await t.dataSource.query(
      `UPDATE refresh_tokens SET expires_at = expires_at + interval '1 year' WHERE session_id = ANY($1)`,
      [ended],
    );

    const report = await t.app.get(SessionCleanupService).run();

    expect(report.sessions).toBe(6_000);
    expect(await dependentsOf(ended)).toEqual({ tokens: 0, links: 0 });
    expect(await dependentsOf(live)).toEqual({ tokens: 10, links: 1 });
  });

  it('deletes the tokens of every session an account deletion ends', async () => {
    const user = await signedInUser(t.http);
    const other = await login(t.http, user);
    const sessionIds = ((await storedRowsOf(t, 'sessions', user.id)) as { id: string }[]).map((s) => s.id);
    expect(await dependentsOf(sessionIds)).toEqual({ tokens: 2, links: 0 });

    const res = await t.http.request('DELETE', '/api/v1/users/me', {
      json: { password: user.password },
      token: other.accessToken,
    });

    expect(res.status).toBe(204);
    expect(await dependentsOf(sessionIds)).toEqual({ tokens: 0, links: 0 });
  });

  it('refuses a refresh token or a device link for a session that does not exist', async () => {
    const user = await registerUser(t.http);
    const missing = '00000000-0000-4000-8000-000000000001';
    await expect(
      t.dataSource.query(
        `INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) VALUES ($1, md5('a') || md5('b'), now(), now())`,
        [missing],
      ),
    ).rejects.toThrow(/violates the session reference/);
    await expect(linkDevice(user.id, missing)).rejects.toThrow(/violates the session reference/);
    expect(await dependentsOf([missing])).toEqual({ tokens: 0, links: 0 });
  });

  it('refuses to move a token or a device link to another session, or to change a session id', async () => {
    const user = await signedInUser(t.http);
    await login(t.http, user);
    const [first, second] = ((await storedRowsOf(t, 'sessions', user.id)) as { id: string }[]).map((s) => s.id);
    await linkDevice(user.id, first);
    await expect(
      t.dataSource.query(`UPDATE refresh_tokens SET session_id = $2 WHERE session_id = $1`, [first, second]),
    ).rejects.toThrow(/session reference of table "refresh_tokens" can't change/);
    await expect(
      t.dataSource.query(`UPDATE trusted_device_sessions SET session_id = $2 WHERE session_id = $1`, [first, second]),
    ).rejects.toThrow(/session reference of table "trusted_device_sessions" can't change/);
    await expect(
      t.dataSource.query(`UPDATE sessions SET id = gen_random_uuid() WHERE id = $1`, [first]),
    ).rejects.toThrow(/session reference of table "sessions" can't change/);
    expect(await dependentsOf([first])).toEqual({ tokens: 1, links: 1 });
  });

  // Last in this block: it empties the sessions of this file's database.
  it('takes the refresh tokens and device links along when an operator truncates the sessions', async () => {
    const user = await signedInUser(t.http);
    const [session] = (await storedRowsOf(t, 'sessions', user.id)) as { id: string }[];
    await linkDevice(user.id, session.id);
    await t.dataSource.query(`TRUNCATE sessions`);
    const [{ tokens, links }] = await t.dataSource.query(
      `SELECT (SELECT count(*) FROM refresh_tokens)::int AS tokens, (SELECT count(*) FROM trusted_device_sessions)::int AS links`,
    );
    expect({ tokens, links }).toEqual({ tokens: 0, links: 0 });
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
  });
});

// Two transactions at once need a second backend: PostgreSQL only.
describeOnPostgres('rows that hang off a session, under concurrency', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  /** Whether a statement starting with `prefix` is seen waiting for a lock within about a second. */
  async function waitingOnLock(prefix: string): Promise<boolean> {
    for (let i = 0; i < 100; i++) {
      const [{ waiting }] = await t.dataSource.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND starts_with(query, $1)`,
        [prefix],
      );
      if (waiting > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return false;
  }

  it('a session deleted while a token is being added to it takes that token too', async () => {
    const user = await signedInUser(t.http);
    const [session] = (await storedRowsOf(t, 'sessions', user.id)) as { id: string }[];
    const adder = t.dataSource.createQueryRunner();
    await adder.connect();
    try {
      await adder.startTransaction();
      await adder.query(
        `INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) VALUES ($1, md5('c') || md5('d'), now(), now())`,
        [session.id],
      );
      const deleting = t.dataSource.query(`DELETE FROM sessions WHERE id = $1`, [session.id]);
      // The delete waits for the adder's lock on the session row; the adder commits once it is seen waiting.
      expect(await waitingOnLock('DELETE FROM sessions')).toBe(true);
      await adder.commitTransaction();
      await deleting;
    } finally {
      await adder.release();
    }
    const [{ count }] = await t.dataSource.query(
      `SELECT count(*)::int AS count FROM refresh_tokens WHERE session_id = $1`,
      [session.id],
    );
    expect(count).toBe(0);
  });

  it('a token added to a session that is being deleted is refused once the delete commits', async () => {
    const user = await signedInUser(t.http);
    const [session] = (await storedRowsOf(t, 'sessions', user.id)) as { id: string }[];
    const deleter = t.dataSource.createQueryRunner();
    await deleter.connect();
    let adding: Promise<unknown> | undefined;
    try {
      await deleter.startTransaction();
      await deleter.query(`DELETE FROM sessions WHERE id = $1`, [session.id]);
      adding = t.dataSource
        .query(
          `INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at) VALUES ($1, md5('e') || md5('f'), now(), now())`,
          [session.id],
        )
        .then(
          () => 'inserted',
          (error: Error) => error.message,
        );
      expect(await waitingOnLock('INSERT INTO refresh_tokens')).toBe(true);
      await deleter.commitTransaction();
    } finally {
      await deleter.release();
    }
    expect(await adding).toMatch(/violates the session reference/);
    const [{ count }] = await t.dataSource.query(
      `SELECT count(*)::int AS count FROM refresh_tokens WHERE session_id = $1`,
      [session.id],
    );
    expect(count).toBe(0);
  });
});

// PGlite serves one connection, so a second connection holding the lock can only be shown on PostgreSQL.
describeOnPostgres('session cleanup on PostgreSQL', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('runs on one replica at a time: a run while the advisory lock is held is skipped', async () => {
    const skipped = await whileAnotherReplicaCleansUp(t, () => t.app.get(SessionCleanupService).run());
    expect(skipped).toEqual({ ran: false, sessions: 0, refreshTokens: 0, auditEvents: 0 });
    expect((await t.app.get(SessionCleanupService).run()).ran).toBe(true);
  });
});
