import { AuditService } from '../src/audit/audit.service';
import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { enroll } from './factories/mfa.factory';
import { registerUser, signedInUser } from './factories/user.factory';
import { startTestApp, TestApp } from './support/test-app';

describe('audit trail', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '2' } });
  });

  afterAll(async () => {
    await t.close();
  });

  const eventsOf = (userId: string) =>
    t.dataSource.query(`SELECT type, actor_id, request_id, details FROM audit_events WHERE user_id = $1 ORDER BY id`, [
      userId,
    ]);

  it('records registration, logins, failures, the lockout and logout, with request ids and no secrets', async () => {
    const user = await registerUser(t.http);
    const ok = await t.http.post(
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      { headers: { 'x-request-id': 'audit-login-1' } },
    );
    await t.http.post('/api/v1/auth/logout', undefined, { token: ok.body.accessToken });
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-canary-Passw0rd!' });
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-canary-Passw0rd!' });

    const events = await eventsOf(user.id);
    expect(events.map((event: { type: string }) => event.type)).toEqual([
      'user.registered',
      'login.succeeded',
      'logout',
      'login.failed',
      'login.failed',
      'account.locked',
    ]);
    expect(events[1]).toEqual(
      expect.objectContaining({
        actor_id: user.id,
        request_id: 'audit-login-1',
        details: expect.objectContaining({ amr: ['pwd'], aal: 'aal1' }),
      }),
    );
    expect(events[3].details).toEqual({ reason: 'wrong_password' });
    const all = JSON.stringify(await t.dataSource.query(`SELECT * FROM audit_events`));
    expect(all).not.toContain('canary');
    expect(all).not.toContain(user.password);
    expect(all).not.toContain(ok.body.accessToken);
    expect(all).not.toContain(ok.body.refreshToken);
  });

  it('records 2FA, password and refresh-theft events', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const first = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    await t.http.post('/api/v1/auth/login/2fa', { mfaToken: first.body.mfaToken, code: enrollment.backupCodes[0] });
    await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: enrollment.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    t.clock.advance(30_000);
    await t.http.post(
      '/api/v1/2fa/disable',
      { password: user.password, code: enrollment.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    await t.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: user.password, newPassword: 'Audit-N3w-Passw0rd!' },
      { token: user.accessToken },
    );
    await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    t.clock.advance(60_000);
    await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });

    const types = (await eventsOf(user.id)).map((event: { type: string }) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'mfa.setup_started',
        'mfa.enabled',
        'mfa.backup_code_used',
        'mfa.backup_codes_regenerated',
        'mfa.disabled',
        'password.changed',
        'refresh.reuse_detected',
      ]),
    );
    const [used] = (await eventsOf(user.id)).filter((event: { type: string }) => event.type === 'mfa.backup_code_used');
    expect(used.details).toEqual({ remaining: 9 });
    const all = JSON.stringify(await t.dataSource.query(`SELECT * FROM audit_events WHERE user_id = $1`, [user.id]));
    expect(all).not.toContain(enrollment.secret);
    for (const backup of enrollment.backupCodes) expect(all).not.toContain(backup);
    expect(all).not.toContain('Audit-N3w-Passw0rd!');
  });

  it('refuses UPDATE, DELETE and TRUNCATE on audit_events', async () => {
    await registerUser(t.http);
    await expect(t.dataSource.query(`UPDATE audit_events SET type = 'x'`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    await expect(
      t.dataSource.query(`SELECT set_config('twofold.audit_purge_before', '1999-01-01', false)`),
    ).resolves.toBeDefined();
    await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    await t.dataSource.query(`SELECT set_config('twofold.audit_purge_before', '', false)`);
  });

  it('verifies the hash chain and names the first row someone edited', async () => {
    const audit = t.app.get(AuditService);
    await registerUser(t.http);
    const before = await audit.verifyChain();
    expect(before.ok).toBe(true);
    expect(before.checked).toBeGreaterThan(3);

    const [victim] = await t.dataSource.query(`SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 2`);
    await t.dataSource.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`);
    await t.dataSource.query(`UPDATE audit_events SET details = '{"reason":"forged"}' WHERE id = $1`, [victim.id]);
    await t.dataSource.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`);

    expect(await audit.verifyChain()).toEqual({ ok: false, checked: 2, firstBadId: String(victim.id) });
  });
});

describe('audit retention purge', () => {
  it('the cleanup job deletes events past AUDIT_RETENTION_DAYS only, and the rest still verifies', async () => {
    const t = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '5' } });
    try {
      await registerUser(t.http);
      t.clock.advance(10 * 86_400_000);
      await registerUser(t.http);
      const report = await t.app.get(SessionCleanupService).run();
      expect(report.auditEvents).toBeGreaterThan(0);
      const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM audit_events`);
      expect(n).toBeGreaterThan(0);
      expect((await t.app.get(AuditService).verifyChain()).ok).toBe(true);
      await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    } finally {
      await t.close();
    }
  });
});
