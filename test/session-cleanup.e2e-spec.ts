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
    t = await startTestApp();
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
