import { UserAdminService } from '../src/users/user-admin.service';
import { Admin, ADMIN_PASSWORD, forcePasswordChange, makeAdmin } from './factories/admin.factory';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser, uniqueEmail } from './factories/user.factory';
import { storedAuditEvents, storedUsers } from './support/db-inspect';
import { cloneTemplate } from './support/template-database';
import { startTestApp, TestApp } from './support/test-app';

describe('admin API', () => {
  let t: TestApp;
  let admin: Admin;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '2' } });
    admin = await makeAdmin(t);
  });

  afterAll(async () => {
    await t.close();
  });

  const as = (token: string) => ({ token });

  it('opens every /admin route only to an admin with an aal2 session', async () => {
    const doc = (await t.http.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const target = await registerUser(t.http);
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/admin'))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method, path })));
    expect(routes.length).toBe(11);

    const plain = await signedInUser(t.http);
    const pendingUser = await signedInUser(t.http);
    await enroll(t.http, t.clock, pendingUser.accessToken);
    const mfaToken = (
      await t.http.post('/api/v1/auth/login', { email: pendingUser.email, password: pendingUser.password })
    ).body.mfaToken as string;
    const expired = await registerUser(t.http);
    await forcePasswordChange(t, admin, expired.id);
    const passwordChange = (await login(t.http, expired)).accessToken;
    // An admin whose token has scope password_change is still refused.
    const callers: [string, string | undefined, number[]][] = [
      ['anonymous', undefined, [401]],
      ['plain user', plain.accessToken, [403]],
      ['mfa-pending', mfaToken, [401]],
      ['password_change scope', passwordChange, [403]],
      ['admin at aal1', admin.aal1, [403]],
    ];
    const wrong: string[] = [];
    for (const { method, path } of routes) {
      const url = path.replace('{id}', target.id).replace('{key}', 'registration_open');
      const json = method === 'put' ? { enabled: true } : method === 'post' ? { reason: 'access matrix' } : undefined;
      for (const [who, token, expected] of callers) {
        const res = await t.http.request(method.toUpperCase(), url, { json, token });
        if (!expected.includes(res.status)) wrong.push(`${who} ${method} ${path}: ${res.status}`);
      }
      const allowed = await t.http.request(method.toUpperCase(), url, { json, token: admin.aal2 });
      if ([401, 403].includes(allowed.status)) wrong.push(`admin at aal2 ${method} ${path}: ${allowed.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('finds users page by page and shows one without hashes or secrets', async () => {
    const tag = `find${Date.now()}`;
    for (let i = 0; i < 3; i++) {
      await registerUser(t.http, { email: `${tag}-${i}@example.com` });
      t.clock.advance(1000);
    }
    const first = await t.http.get(`/api/v1/admin/users?query=${tag}&limit=2`, as(admin.aal2));
    expect(first.status).toBe(200);
    expect(first.body.items.map((user: { email: string }) => user.email)).toEqual([
      `${tag}-0@example.com`,
      `${tag}-1@example.com`,
    ]);
    const second = await t.http.get(
      `/api/v1/admin/users?query=${tag}&limit=2&cursor=${first.body.nextCursor}`,
      as(admin.aal2),
    );
    expect(second.body).toEqual({
      items: [expect.objectContaining({ email: `${tag}-2@example.com` })],
      nextCursor: null,
    });
    expect((await t.http.get('/api/v1/admin/users?cursor=%25%25', as(admin.aal2))).status).toBe(400);
    expect((await t.http.get('/api/v1/admin/users?limit=1000', as(admin.aal2))).status).toBe(400);

    const detail = await t.http.get(`/api/v1/admin/users/${admin.id}`, as(admin.aal2));
    expect(detail.body).toEqual(
      expect.objectContaining({
        email: admin.email,
        roles: ['user', 'admin'],
        mfaEnabled: true,
        locked: false,
        failedLoginAttempts: 0,
        lastLoginAt: expect.any(String),
        sessions: expect.arrayContaining([expect.objectContaining({ aal: 'aal2' })]),
      }),
    );
    expect(detail.text).not.toMatch(/\$2[aby]\$|password_hash|passwordHash|secret/i);
    expect(detail.text).not.toContain(admin.enrollment.secret);
    const [viewed] = await storedAuditEvents(t, { userId: admin.id, type: 'admin.user_viewed' });
    expect(viewed).toEqual(expect.objectContaining({ actor_id: admin.id }));
    expect((await t.http.get('/api/v1/admin/users/00000000-0000-4000-8000-000000000000', as(admin.aal2))).status).toBe(
      404,
    );
    expect((await t.http.get('/api/v1/admin/users/not-a-uuid', as(admin.aal2))).status).toBe(400);
  });

  it('unlocks a locked account, audited with the admin as actor', async () => {
    const user = await registerUser(t.http);
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    const before = await t.http.get(`/api/v1/admin/users/${user.id}`, as(admin.aal2));
    expect(before.body).toEqual(expect.objectContaining({ locked: true, lockedUntil: expect.any(String) }));

    expect((await t.http.post(`/api/v1/admin/users/${user.id}/unlock`, undefined, as(admin.aal2))).status).toBe(204);
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(200);
    const [row] = await storedAuditEvents(t, { userId: user.id, type: 'account.unlocked' });
    expect(row).toEqual(expect.objectContaining({ actor_id: admin.id, details: { wasLocked: true } }));
  });

  it("turns off a user's 2FA with a required reason and ends their sessions", async () => {
    const user = await signedInUser(t.http);
    await enroll(t.http, t.clock, user.accessToken);
    const url = `/api/v1/admin/users/${user.id}/2fa/disable`;
    expect((await t.http.post(url, {}, as(admin.aal2))).status).toBe(400);
    expect((await t.http.post(url, { reason: '   ' }, as(admin.aal2))).status).toBe(400);
    expect((await t.http.post(url, { reason: 'Lost phone; ID checked on a call' }, as(admin.aal2))).status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', as(user.accessToken))).status).toBe(401);
    expect((await t.http.post(url, { reason: 'again' }, as(admin.aal2))).status).toBe(409);
    const [row] = await storedAuditEvents(t, { userId: user.id, type: 'mfa.disabled' });
    expect(row).toEqual(
      expect.objectContaining({
        actor_id: admin.id,
        details: {
          by: 'admin',
          reason: 'Lost phone; ID checked on a call',
          endedSessions: 1,
          removedPasskeys: 0,
          endedDevices: 0,
        },
      }),
    );
  });

  it('forces a password change and revokes sessions', async () => {
    const user = await signedInUser(t.http);
    expect(
      (await t.http.post(`/api/v1/admin/users/${user.id}/force-password-change`, undefined, as(admin.aal2))).status,
    ).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', as(user.accessToken))).status).toBe(401);
    const next = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(next.body.status).toBe('password_change_required');

    const other = await signedInUser(t.http);
    expect(
      (await t.http.post(`/api/v1/admin/users/${other.id}/sessions/revoke`, undefined, as(admin.aal2))).status,
    ).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', as(other.accessToken))).status).toBe(401);
    const rows = (await storedAuditEvents(t)).filter(
      (event) => [user.id, other.id].includes(event.user_id ?? '') && event.actor_id === admin.id,
    );
    expect(rows.map((row) => row.type)).toEqual(['session.revoked', 'password.change_forced', 'session.revoked']);
  });

  it('reads the audit trail with filters and a cursor, and verifies the chain', async () => {
    const user = await registerUser(t.http);
    for (let i = 0; i < 3; i++)
      await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    const page = await t.http.get(`/api/v1/admin/audit?userId=${user.id}&type=login.failed&limit=2`, as(admin.aal2));
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0]).toEqual(
      expect.objectContaining({ type: 'login.failed', userId: user.id, details: { reason: expect.any(String) } }),
    );
    const rest = await t.http.get(
      `/api/v1/admin/audit?userId=${user.id}&type=login.failed&limit=2&cursor=${page.body.nextCursor}`,
      as(admin.aal2),
    );
    expect(rest.body.items.length).toBeGreaterThanOrEqual(1);
    expect(Number(rest.body.items[0].id)).toBeLessThan(Number(page.body.items[1].id));
    const future = await t.http.get(`/api/v1/admin/audit?from=2999-01-01T00:00:00Z`, as(admin.aal2));
    expect(future.body).toEqual({ items: [], nextCursor: null });
    expect((await t.http.get('/api/v1/admin/audit?from=yesterday', as(admin.aal2))).status).toBe(400);

    const verify = await t.http.get('/api/v1/admin/audit/verify', as(admin.aal2));
    expect(verify.body).toEqual({ ok: true, checked: expect.any(Number), firstBadId: null });
  });

  it('lists and changes feature flags, audited with the admin', async () => {
    const list = await t.http.get('/api/v1/admin/feature-flags', as(admin.aal2));
    expect(list.body.map((flag: { key: string }) => flag.key).sort()).toEqual([
      'mfa_enforcement',
      'passkey_auth',
      'passwordless_auth',
      'registration_open',
      'trusted_devices',
    ]);
    const changed = await t.http.put(
      '/api/v1/admin/feature-flags/passwordless_auth',
      { enabled: true, rolloutPercent: 5, roles: ['admin'] },
      as(admin.aal2),
    );
    expect(changed.body).toEqual(
      expect.objectContaining({ key: 'passwordless_auth', enabled: true, rolloutPercent: 5 }),
    );
    expect(
      (
        await t.http.put(
          '/api/v1/admin/feature-flags/passwordless_auth',
          { enabled: true, rolloutPercent: 101 },
          as(admin.aal2),
        )
      ).status,
    ).toBe(400);
    expect((await t.http.put('/api/v1/admin/feature-flags/nope', { enabled: true }, as(admin.aal2))).status).toBe(404);
    const changes = await storedAuditEvents(t, { type: 'feature_flag.changed' });
    expect(changes[changes.length - 1].actor_id).toBe(admin.id);
  });

  it('reports adoption and security figures', async () => {
    const stats = await t.http.get('/api/v1/admin/stats', as(admin.aal2));
    const accounts = (await storedUsers(t)).filter((user) => user.deleted_at === null);
    const users = accounts.length;
    const mfa = accounts.filter((user) => user.mfa_enabled).length;
    expect(stats.body).toEqual({
      users,
      mfaEnabledUsers: mfa,
      mfaAdoptionRate: Math.round((mfa / users) * 10_000) / 10_000,
      passkeyUsers: 0,
      passkeyAdoptionRate: 0,
      lockedUsers: expect.any(Number),
      backupCodesUsed24h: 0,
      failedLogins24h: expect.any(Number),
      activeSessions: expect.any(Number),
    });
    expect(stats.body.failedLogins24h).toBeGreaterThanOrEqual(5);
    expect(stats.body.activeSessions).toBeGreaterThan(0);
  });
});

describe('admin API with ADMIN_REQUIRE_MFA=false', () => {
  it('lets an admin in at aal1', async () => {
    const t = await startTestApp({ env: { ADMIN_REQUIRE_MFA: 'false' } });
    try {
      const email = uniqueEmail('admin');
      await t.app.get(UserAdminService).createAdmin(email, ADMIN_PASSWORD, 'test');
      const session = await login(t.http, { email, password: ADMIN_PASSWORD });
      expect((await t.http.get('/api/v1/admin/stats', as(session.accessToken))).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  const as = (token: string) => ({ token });
});

describe('admin bootstrap', () => {
  it('creates the ADMIN_EMAIL admin once, at boot, when there is no admin', async () => {
    const env = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD };
    const database = await cloneTemplate();
    try {
      const first = await startTestApp({ env, database });
      try {
        const session = await login(first.http, { email: 'root@example.com', password: ADMIN_PASSWORD });
        expect(session.accessToken).toBeDefined();
      } finally {
        await first.close();
      }
      const again = await startTestApp({ env: { ...env, ADMIN_PASSWORD: 'Another-Adm1n-Passw0rd!' }, database });
      try {
        const rows = await storedAuditEvents(again, { type: 'admin.created' });
        expect(rows).toEqual([expect.objectContaining({ type: 'admin.created', actor_id: 'bootstrap' })]);
        expect(
          (await login(again.http, { email: 'root@example.com', password: ADMIN_PASSWORD })).accessToken,
        ).toBeDefined();
      } finally {
        await again.close();
      }
    } finally {
      await database.drop();
    }
  });
});
