import { AuditService } from '../src/audit/audit.service';
import { MfaDisabling } from '../src/mfa/mfa-disabling.service';
import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { tamperWithAuditEvent } from './factories/audit.factory';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf } from './support/db-inspect';
import { startTestApp, TestApp } from './support/test-app';

const eventsOf = (t: TestApp, userId: string) => storedAuditEvents(t, { userId });

describe('audit trail', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '2' } });
  });

  afterAll(async () => {
    await t.close();
  });

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
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(423);

    const events = await eventsOf(t, user.id);
    expect(events.map((event) => event.type)).toEqual([
      'user.registered',
      'login.succeeded',
      'session.logout',
      'login.failed',
      'login.failed',
      'account.locked',
      'login.failed',
    ]);
    expect(events[2].details).toEqual({ reason: 'logout', sessionIds: [ok.body.sessionId] });
    expect(events[6].details).toEqual({ reason: 'account_locked' });
    expect(events[1]).toEqual(
      expect.objectContaining({
        actor_id: user.id,
        request_id: 'audit-login-1',
        details: expect.objectContaining({ amr: ['pwd'], aal: 'aal1' }),
      }),
    );
    expect(events[3].details).toEqual({ reason: 'wrong_password' });
    const all = JSON.stringify(await storedAuditEvents(t));
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

    const types = (await eventsOf(t, user.id)).map((event) => event.type);
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
    const [used] = await storedAuditEvents(t, { userId: user.id, type: 'mfa.backup_code_used' });
    expect(used.details).toEqual({ remaining: 9, purpose: 'login' });
    const all = JSON.stringify(await eventsOf(t, user.id));
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

    const victim = (await storedAuditEvents(t))[2];
    await tamperWithAuditEvent(t, victim.id, { details: { reason: 'forged' } });

    expect(await audit.verifyChain()).toEqual({ ok: false, checked: 2, firstBadId: String(victim.id) });
  });
});

describe('audit chain under concurrent appends', () => {
  it('links every row to the one before it when many requests append at once', async () => {
    const t = await startTestApp();
    try {
      const agents = Array.from({ length: 12 }, (_, i) => `Téléphone "prevHash":"" ${i}`);
      const answers = await Promise.all(
        agents.map((agent, i) =>
          t.http.post(
            '/api/v1/auth/login',
            { email: `nobody-${i}@example.com`, password: 'Not-the-Passw0rd!' },
            { headers: { 'user-agent': agent } },
          ),
        ),
      );
      expect(answers.map((answer) => answer.status)).toEqual(agents.map(() => 401));

      const rows = await storedAuditEvents(t);
      expect(
        rows
          .map((row) => row.user_agent)
          .filter((agent) => agent?.startsWith('Téléphone'))
          .sort(),
      ).toEqual([...agents].sort());
      rows.slice(1).forEach((row, i) => expect(row.prev_hash).toBe(rows[i].hash));
      expect(await t.app.get(AuditService).verifyChain()).toEqual({ ok: true, checked: rows.length, firstBadId: null });
    } finally {
      await t.close();
    }
  });
});

describe('audit retention purge', () => {
  it('deletes only a whole prefix of the chain when rows entered it out of time order', async () => {
    const t = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '5' } });
    try {
      const audit = t.app.get(AuditService);
      const day = 86_400_000;
      // Rows join the chain in the order they got the append lock, not the order of their clock
      // readings: 'test.late' read the clock before 'test.recent' but appended after it.
      await audit.record({ type: 'test.old' });
      t.clock.advance(20 * day);
      await audit.record({ type: 'test.recent' });
      t.clock.advance(-19 * day);
      await audit.record({ type: 'test.late' });
      t.clock.advance(19 * day);
      await audit.record({ type: 'test.newest' });

      expect(await audit.purgeExpired()).toBe(1);
      const left = await storedAuditEvents(t);
      expect(left.map((row) => row.type)).toEqual(['test.recent', 'test.late', 'test.newest']);
      expect((await audit.verifyChain()).ok).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('the cleanup job deletes events past AUDIT_RETENTION_DAYS only, and the rest still verifies', async () => {
    const t = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '5' } });
    try {
      await registerUser(t.http);
      t.clock.advance(10 * 86_400_000);
      await registerUser(t.http);
      const report = await t.app.get(SessionCleanupService).run();
      expect(report.auditEvents).toBeGreaterThan(0);
      expect((await storedAuditEvents(t)).length).toBeGreaterThan(0);
      expect((await t.app.get(AuditService).verifyChain()).ok).toBe(true);
      const [purged] = await storedAuditEvents(t, { type: 'audit.purged' });
      expect(purged).toEqual(expect.objectContaining({ actor_id: 'system', details: { deleted: report.auditEvents } }));
      await expect(t.dataSource.query(`DELETE FROM audit_events`)).rejects.toThrow(/append-only/);
    } finally {
      await t.close();
    }
  });
});

describe('2FA, session and admin events', () => {
  let t: TestApp;
  let mfa: MfaDisabling;

  beforeAll(async () => {
    t = await startTestApp();
    mfa = t.app.get(MfaDisabling);
  });

  afterAll(async () => {
    await t.close();
  });

  it('records failed and replayed 2FA codes with the client they came from', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const client = { 'user-agent': 'AuditAgent/2.0', 'x-request-id': 'audit-2fa-1' };
    const mfaLogin = async () =>
      (await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).body.mfaToken;
    const code = enrollment.codeAt(t.clock.now());
    const wrong = code === '123456' ? '654321' : '123456';
    await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaLogin(), code: wrong }, { headers: client });
    expect((await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaLogin(), code })).status).toBe(200);
    await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaLogin(), code });
    await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaLogin(), code: 'ZZZZ-ZZZZ-ZZZZ' });

    const rows = (await eventsOf(t, user.id))
      .filter((event) => event.type.startsWith('mfa.code_'))
      .map(({ type, ip, user_agent, request_id, details }) => ({ type, ip, user_agent, request_id, details }));
    expect(rows).toEqual([
      {
        type: 'mfa.code_failed',
        ip: '127.0.0.1',
        user_agent: 'AuditAgent/2.0',
        request_id: 'audit-2fa-1',
        details: { method: 'totp', purpose: 'login' },
      },
      expect.objectContaining({ type: 'mfa.code_replayed', details: { method: 'totp', purpose: 'login' } }),
      expect.objectContaining({ type: 'mfa.code_failed', details: { method: 'backup_code', purpose: 'login' } }),
    ]);
    const all = JSON.stringify(rows);
    expect(all).not.toContain(code);
    expect(all).not.toContain('ZZZZ');
  });

  it('records sessions ended by the user and sessions evicted by the concurrent-session limit', async () => {
    const user = await signedInUser(t.http);
    t.clock.advance(1000);
    const second = await login(t.http, user);
    await t.http.delete(`/api/v1/sessions/${user.sessionId}`, { token: second.accessToken });
    t.clock.advance(1000);
    const third = await login(t.http, user);
    t.clock.advance(1000);
    const fourth = await login(t.http, user);

    const rows = (await eventsOf(t, user.id)).filter((event) => event.type.startsWith('session.'));
    expect(rows).toEqual([
      expect.objectContaining({
        type: 'session.revoked',
        actor_id: user.id,
        details: { reason: 'user_revoked', sessionIds: [user.sessionId] },
      }),
      expect.objectContaining({
        type: 'session.evicted',
        details: { sessionIds: [second.sessionId], newSessionId: fourth.sessionId },
      }),
    ]);
    const active = await t.http.get('/api/v1/sessions', { token: fourth.accessToken });
    expect(active.body.map((session: { id: string }) => session.id).sort()).toEqual(
      [third.sessionId, fourth.sessionId].sort(),
    );
  });

  it('needs no code from the user, ends every session, and records the actor and the reason', async () => {
    const admin = await registerUser(t.http);
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);

    await mfa.disableFor(user.id, admin.id, '  Lost phone; identity checked by video call  ');

    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    const again = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(again.body.status).toBe('authenticated');
    const status = await t.http.get('/api/v1/2fa/status', { token: again.body.accessToken });
    expect(status.body).toEqual({ enabled: false, enabledAt: null, totp: false, passkeys: 0, backupCodesRemaining: 0 });
    expect(await storedRowsOf(t, 'mfa_backup_codes', user.id)).toEqual([]);

    const rows = (await eventsOf(t, user.id))
      .filter((event) => ['mfa.disabled', 'session.revoked'].includes(event.type))
      .map(({ type, actor_id, details }) => ({ type, actor_id, details }));
    expect(rows).toEqual([
      {
        type: 'session.revoked',
        actor_id: admin.id,
        details: { reason: 'mfa_disabled', sessionIds: [user.sessionId] },
      },
      {
        type: 'mfa.disabled',
        actor_id: admin.id,
        details: {
          by: 'admin',
          reason: 'Lost phone; identity checked by video call',
          endedSessions: 1,
          removedPasskeys: 0,
          endedDevices: 0,
        },
      },
    ]);
    expect(JSON.stringify(rows)).not.toContain(enrollment.secret);
  });

  it('refuses without a reason, for a user without 2FA, and for an unknown user', async () => {
    const user = await signedInUser(t.http);
    await expect(mfa.disableFor(user.id, 'cli', 'x')).rejects.toMatchObject({ code: 'mfa_not_enabled' });
    await enroll(t.http, t.clock, user.accessToken);
    await expect(mfa.disableFor(user.id, 'cli', '   ')).rejects.toMatchObject({ code: 'reason_required' });
    await expect(mfa.disableFor(user.id, 'cli', 'x'.repeat(501))).rejects.toMatchObject({ code: 'reason_required' });
    await expect(mfa.disableFor('00000000-0000-4000-8000-000000000000', 'cli', 'x')).rejects.toMatchObject({
      code: 'user_not_found',
    });
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.enabled).toBe(true);
  });
});
