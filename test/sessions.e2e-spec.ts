import { login, registerUser, signedInUser } from './factories/user.factory';
import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { storedRowsOf } from './support/db-inspect';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { describeOnPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

describe('sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: { MAX_CONCURRENT_SESSIONS: '2', SESSION_TIMEOUT_MINUTES: '20', SESSION_ABSOLUTE_TIMEOUT_HOURS: '12' },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  it('lists my active sessions with the current one marked', async () => {
    const user = await registerUser(t.http);
    const first = await login(t.http, user);
    const second = await login(t.http, user);
    const res = await t.http.get('/api/v1/sessions', {
      token: second.accessToken,
      headers: { 'user-agent': 'test-agent' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(2);
    const current = res.body.find((s: { current: boolean }) => s.current);
    expect(current).toEqual(expect.objectContaining({ id: second.sessionId, aal: 'aal1', ip: '127.0.0.1' }));
    expect(res.body.map((s: { id: string }) => s.id)).toContain(first.sessionId);
  });

  it('ends the oldest session beyond MAX_CONCURRENT_SESSIONS, even under parallel logins', async () => {
    const user = await registerUser(t.http);
    const oldest = await login(t.http, user);
    t.clock.advance(1000);
    await Promise.all(Array.from({ length: 10 }, () => login(t.http, user)));
    const sessions = await storedRowsOf(t, 'sessions', user.id);
    expect(sessions.filter((session) => session.revoked_at === null)).toHaveLength(2);
    const evicted = sessions.find((session) => session.id === oldest.sessionId);
    expect(evicted?.revoked_reason).toBe('evicted');
    expect((await t.http.get('/api/v1/auth/me', { token: oldest.accessToken })).status).toBe(401);
  });

  it('ends a session after SESSION_TIMEOUT_MINUTES of inactivity, and activity extends it', async () => {
    const user = await signedInUser(t.http);
    t.clock.advanceMinutes(14);
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
    t.clock.advanceMinutes(19);
    const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    t.clock.advanceMinutes(21);
    expect((await t.http.get('/api/v1/auth/me', { token: refreshed.body.accessToken })).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/refresh', { refreshToken: refreshed.body.refreshToken })).status).toBe(401);
  });

  it('reports the current session timeouts and extends them', async () => {
    const user = await signedInUser(t.http);
    const start = t.clock.now().getTime();
    const current = await t.http.get('/api/v1/sessions/current', { token: user.accessToken });
    expect(current.status).toBe(200);
    expect(Date.parse(current.body.idleExpiresAt) - start).toBe(20 * 60_000);
    expect(Date.parse(current.body.absoluteExpiresAt) - start).toBe(12 * 3_600_000);
    expect(Date.parse(current.body.warnAt)).toBeLessThan(Date.parse(current.body.idleExpiresAt));

    t.clock.advanceMinutes(10);
    const extended = await t.http.post('/api/v1/sessions/current/extend', undefined, { token: user.accessToken });
    expect(extended.status).toBe(200);
    expect(Date.parse(extended.body.idleExpiresAt) - start).toBe(30 * 60_000);
  });

  it('ends every session at the absolute timeout despite activity', async () => {
    const user = await signedInUser(t.http);
    let { accessToken, refreshToken } = user;
    // Active every 14 minutes for 11 h 54 min: never idle, so only the absolute limit can end it.
    for (let i = 0; i < 51; i++) {
      t.clock.advanceMinutes(14);
      const res = await t.http.post('/api/v1/auth/refresh', { refreshToken });
      expect(res.status).toBe(200);
      ({ accessToken, refreshToken } = res.body);
    }
    expect((await t.http.get('/api/v1/auth/me', { token: accessToken })).status).toBe(200);
    t.clock.advanceMinutes(7);
    expect((await t.http.get('/api/v1/auth/me', { token: accessToken })).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/refresh', { refreshToken })).status).toBe(401);
  });

  it("ends one of my sessions, and answers 404 for someone else's", async () => {
    const me = await registerUser(t.http);
    const mine = await login(t.http, me);
    const other = await login(t.http, me);
    const stranger = await signedInUser(t.http);

    expect((await t.http.delete(`/api/v1/sessions/${stranger.sessionId}`, { token: mine.accessToken })).status).toBe(
      404,
    );
    expect((await t.http.get('/api/v1/auth/me', { token: stranger.accessToken })).status).toBe(200);
    expect((await t.http.delete('/api/v1/sessions/not-a-uuid', { token: mine.accessToken })).status).toBe(400);

    expect((await t.http.delete(`/api/v1/sessions/${other.sessionId}`, { token: mine.accessToken })).status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: other.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { token: mine.accessToken })).status).toBe(200);
  });

  it('ends all my other sessions', async () => {
    const me = await registerUser(t.http);
    const a = await login(t.http, me);
    const b = await login(t.http, me);
    expect((await t.http.delete('/api/v1/sessions', { token: b.accessToken })).status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: a.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { token: b.accessToken })).status).toBe(200);
  });
});

// Two replicas need two connections to one database: PostgreSQL only (PGlite serves one connection).
describeOnPostgres('two replicas on one PostgreSQL', () => {
  let database: TestDatabase;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    database = await cloneTemplate();
    first = await startTestApp({ database });
    second = await startTestApp({ database, clock: first.clock });
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    await database.drop();
  });

  it('refuses a session on one replica the moment the other revokes it', async () => {
    const user = await signedInUser(first.http);
    expect((await second.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
    expect((await first.http.post('/api/v1/auth/logout', undefined, { token: user.accessToken })).status).toBe(204);
    expect((await second.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    expect((await second.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
  });

  it('runs the cleanup concurrently on both without errors, and every ended session is gone', async () => {
    const users = await Promise.all(Array.from({ length: 5 }, () => signedInUser(first.http)));
    first.clock.advance(30 * 86_400_000);
    const reports = await Promise.all([
      first.app.get(SessionCleanupService).run(),
      second.app.get(SessionCleanupService).run(),
    ]);
    expect(reports.some((report) => report.ran)).toBe(true);
    const deleted = reports.reduce((sum, report) => sum + report.sessions, 0);
    for (const user of users) expect(await storedRowsOf(first, 'sessions', user.id)).toEqual([]);
    expect(deleted).toBeGreaterThanOrEqual(users.length);
  });
});
