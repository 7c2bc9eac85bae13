import { makeAdmin } from './factories/admin.factory';
import { enroll } from './factories/mfa.factory';
import { login, signedInUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf, storedUser } from './support/db-inspect';
import { startTestApp, TestApp } from './support/test-app';

describe('own data: export and delete', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('exports the profile, 2FA status, sessions and audit events, without secrets', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const res = await t.http.get('/api/v1/users/me/export', { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment/);
    expect(res.body).toEqual(
      expect.objectContaining({
        profile: expect.objectContaining({ id: user.id, email: user.email, roles: ['user'] }),
        twoFactor: { enabled: true, enabledAt: expect.any(String), totp: true, passkeys: 0, backupCodesRemaining: 10 },
        passkeys: [],
        sessions: [expect.objectContaining({ id: user.sessionId, aal: 'aal1', revokedAt: null })],
      }),
    );
    const types = res.body.auditEvents.map((event: { type: string }) => event.type);
    expect(types.slice(0, 2)).toEqual(['user.registered', 'login.succeeded']);
    expect(types).toEqual(expect.arrayContaining(['mfa.setup_started', 'mfa.enabled']));
    for (const secret of [
      user.password,
      user.accessToken,
      user.refreshToken,
      enrollment.secret,
      ...enrollment.backupCodes,
    ]) {
      expect(res.text).not.toContain(secret);
    }
    expect(res.text).not.toMatch(/\$2[aby]\$|password_?hash|token_?hash|secret/i);
  });

  it('deletes the account with the password and a code: data erased, sessions ended, audit kept', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const other = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const del = (json: unknown) => t.http.request('DELETE', '/api/v1/users/me', { json, token: user.accessToken });

    expect((await del({ password: 'Wrong-Passw0rd!', code: enrollment.codeAt(t.clock.now()) })).status).toBe(403);
    const missing = await del({ password: user.password });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('mfa_invalid_code');
    expect((await del({ password: user.password, code: '12345' })).status).toBe(400);
    expect((await del({ password: user.password, code: enrollment.codeAt(t.clock.now()) })).status).toBe(204);

    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    expect(other.body.status).toBe('mfa_required');
    const again = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(again.status).toBe(401);
    const row = await storedUser(t, user.id);
    expect(row).toEqual(expect.objectContaining({ deleted_at: expect.any(Date), mfa_secret_encrypted: null }));
    expect(JSON.stringify(row)).not.toContain(user.email);
    const tables = ['sessions', 'mfa_backup_codes', 'password_history', 'one_time_tokens', 'mfa_challenges'] as const;
    for (const table of tables) {
      expect({ table, rows: await storedRowsOf(t, table, user.id) }).toEqual({ table, rows: [] });
    }
    const events = await storedAuditEvents(t, { userId: user.id });
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining(['user.registered', 'mfa.enabled', 'user.deleted']),
    );
    // The address is free again.
    expect((await t.http.post('/api/v1/auth/register', { email: user.email, password: user.password })).status).toBe(
      201,
    );
  });

  /**
   * To its own still-unexpired access token a deleted account is an ended session: 401 on every route, as
   * after a logout, so a client signs in again (and finds no account). To an admin it is a user that no
   * longer exists: 404 `user_not_found`, as for an id that never existed; only its audit trail remains.
   */
  it("answers a deleted account's own tokens 401, like an ended session, and admins 404", async () => {
    const admin = await makeAdmin(t);
    const user = await signedInUser(t.http);
    const loggedOut = await login(t.http, user);
    expect((await t.http.post('/api/v1/auth/logout', undefined, { token: loggedOut.accessToken })).status).toBe(204);
    expect(
      (
        await t.http.request('DELETE', '/api/v1/users/me', {
          json: { password: user.password },
          token: user.accessToken,
        })
      ).status,
    ).toBe(204);

    const doc = (await t.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => (operation.security ?? []).length > 0)
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, user.sessionId) })),
    );
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const body = route.method === 'GET' ? {} : { json: {} };
      const deleted = await t.http.request(route.method, route.path, { token: user.accessToken, ...body });
      const ended = await t.http.request(route.method, route.path, { token: loggedOut.accessToken, ...body });
      expect({ route, status: deleted.status, message: deleted.body.message }).toEqual({
        route,
        status: 401,
        message: ended.body.message,
      });
    }
    expect((await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);

    const as = { token: admin.aal2 };
    const detail = await t.http.get(`/api/v1/admin/users/${user.id}`, as);
    expect(detail.status).toBe(404);
    expect(detail.body.code).toBe('user_not_found');
    for (const action of ['unlock', 'force-password-change', 'sessions/revoke']) {
      const res = await t.http.post(`/api/v1/admin/users/${user.id}/${action}`, undefined, as);
      expect({ action, status: res.status, code: res.body.code }).toEqual({
        action,
        status: 404,
        code: 'user_not_found',
      });
    }
    const disable = await t.http.post(`/api/v1/admin/users/${user.id}/2fa/disable`, { reason: 'lost phone' }, as);
    expect(disable.status).toBe(404);
    expect(disable.body.code).toBe('user_not_found');
    const listed = await t.http.get(`/api/v1/admin/users?query=${encodeURIComponent(user.email)}`, as);
    expect(listed.body.items).toEqual([]);
    const trail = await t.http.get(`/api/v1/admin/audit?userId=${user.id}&type=user.deleted`, as);
    expect(trail.body.items).toEqual([expect.objectContaining({ type: 'user.deleted', userId: user.id })]);
  });
});
