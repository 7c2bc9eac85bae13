import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { describeOnPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;

describe('session cleanup', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const count = async (table: string, userId: string): Promise<number> => {
    const sql =
      table === 'sessions'
        ? `SELECT count(*)::int AS n FROM sessions WHERE user_id = $1`
        : `SELECT count(*)::int AS n FROM refresh_tokens r JOIN sessions s ON s.id = r.session_id WHERE s.user_id = $1`;
    const [{ n }] = await t.dataSource.query(sql, [userId]);
    return n;
  };

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
    const seed = (ended: boolean, count: number) =>
      t.dataSource.query(
        `WITH made AS (
           INSERT INTO sessions (user_id, created_at, last_seen_at, idle_expires_at, expires_at, aal, amr, scope)
           SELECT $1, $2, $2, $3, $3, 'aal1', '{pwd}', 'full' FROM generate_series(1, $4::int)
           RETURNING id, expires_at)
         INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
         SELECT id, md5(id::text) || md5(id::text || 't'), $2, expires_at FROM made`,
        [
          user.id,
          new Date(t.clock.now().getTime() - (ended ? 9 : 0) * DAY),
          new Date(t.clock.now().getTime() + (ended ? -8 : 1) * DAY),
          count,
        ],
      );
    await seed(true, 12_000);
    await seed(false, 3_000);
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
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock($1)`, [0x7f0fc1ea]);
    try {
      expect(await t.app.get(SessionCleanupService).run()).toEqual({
        ran: false,
        sessions: 0,
        refreshTokens: 0,
        auditEvents: 0,
      });
    } finally {
      await holder.query(`SELECT pg_advisory_unlock($1)`, [0x7f0fc1ea]);
      await holder.release();
    }
    expect((await t.app.get(SessionCleanupService).run()).ran).toBe(true);
  });
});
