import { SessionCleanupService } from '../src/session/session-cleanup.service';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedUsers } from './support/db-inspect';
import { metricValue } from './support/metrics';
import { describeOnPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

describe('authentication metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '3', MAX_CONCURRENT_SESSIONS: '1' } });
  });

  afterAll(async () => {
    await t.close();
  });

  /** Runs `flow` and answers how much each named series moved. */
  async function delta(series: [string, Record<string, string>?][], flow: () => Promise<void>): Promise<number[]> {
    const before = await Promise.all(series.map(([name, labels]) => metricValue(t.http, name, labels)));
    await flow();
    const after = await Promise.all(series.map(([name, labels]) => metricValue(t.http, name, labels)));
    return after.map((value, index) => value - before[index]);
  }

  it('exports every series from the start, at zero, with no user in any label', async () => {
    const text = (await t.http.get('/metrics')).text;
    for (const line of [
      'auth_logins_total{result="locked"} 0',
      'auth_failed_attempts_total{kind="backup_code"} 0',
      'auth_totp_verify_total{result="replayed"} 0',
      'auth_refresh_total{result="reuse_detected"} 0',
      'auth_backup_codes_used_total 0',
      'auth_account_lockouts_total 0',
      'auth_cleanup_runs_total{result="failure"} 0',
    ]) {
      expect(text).toContain(line);
    }
    const user = await signedInUser(t.http);
    const after = (await t.http.get('/metrics')).text;
    expect(after).not.toContain(user.email);
    expect(after).not.toContain(user.id);
  });

  it('counts logins, failed passwords and lockouts', async () => {
    const user = await registerUser(t.http);
    const moved = await delta(
      [
        ['auth_logins_total', { result: 'success' }],
        ['auth_logins_total', { result: 'failure' }],
        ['auth_logins_total', { result: 'locked' }],
        ['auth_failed_attempts_total', { kind: 'password' }],
        ['auth_account_lockouts_total'],
        ['auth_sessions_created_total'],
      ],
      async () => {
        await login(t.http, user);
        await t.http.post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'Wrong-Passw0rd!' });
        for (let attempt = 0; attempt < 3; attempt++) {
          await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
        }
        await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      },
    );
    // 3rd wrong password locks (a 423: "locked"), and so is the right password afterwards.
    expect(moved).toEqual([1, 3, 2, 4, 1, 1]);
  });

  it('counts TOTP checks by result, backup codes, and 2FA failures', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const mfaToken = async () =>
      (await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).body.mfaToken;
    const code = enrollment.codeAt(t.clock.now());
    const moved = await delta(
      [
        ['auth_totp_verify_total', { result: 'success' }],
        ['auth_totp_verify_total', { result: 'failure' }],
        ['auth_totp_verify_total', { result: 'replayed' }],
        ['auth_failed_attempts_total', { kind: 'totp' }],
        ['auth_backup_codes_used_total'],
        ['auth_logins_total', { result: 'mfa_required' }],
      ],
      async () => {
        await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaToken(), code });
        await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaToken(), code });
        await t.http.post('/api/v1/auth/login/2fa', {
          mfaToken: await mfaToken(),
          code: code === '000000' ? '111111' : '000000',
        });
        await t.http.post('/api/v1/auth/login/2fa', { mfaToken: await mfaToken(), code: enrollment.backupCodes[0] });
      },
    );
    expect(moved).toEqual([1, 1, 1, 2, 1, 4]);
  });

  it('counts refreshes by result and revoked sessions by reason', async () => {
    const user = await signedInUser(t.http);
    const moved = await delta(
      [
        ['auth_refresh_total', { result: 'success' }],
        ['auth_refresh_total', { result: 'failure' }],
        ['auth_refresh_total', { result: 'reuse_detected' }],
        ['auth_sessions_revoked_total', { reason: 'refresh_reuse' }],
        ['auth_sessions_revoked_total', { reason: 'evicted' }],
        ['auth_sessions_revoked_total', { reason: 'logout' }],
      ],
      async () => {
        await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
        t.clock.advance(60_000);
        await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
        await t.http.post('/api/v1/auth/refresh', { refreshToken: 'A'.repeat(43) });
        const next = await login(t.http, user);
        t.clock.advance(1000);
        const latest = await login(t.http, user);
        await t.http.post('/api/v1/auth/logout', undefined, { token: latest.accessToken });
        expect(next.sessionId).not.toBe(latest.sessionId);
      },
    );
    expect(moved).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('counts cleanup runs, deleted rows and their duration', async () => {
    const moved = await delta(
      [['auth_cleanup_runs_total', { result: 'success' }], ['auth_cleanup_duration_seconds_count']],
      async () => {
        t.clock.advance(30 * 86_400_000);
        await t.app.get(SessionCleanupService).run();
      },
    );
    expect(moved).toEqual([1, 1]);
    expect(await metricValue(t.http, 'auth_cleanup_deleted_rows_total', { table: 'sessions' })).toBeGreaterThan(0);
  });

  it('counts the active accounts from the database, without deleted ones, for the 2FA adoption ratio', async () => {
    const active = async () => (await storedUsers(t)).filter((user) => user.deleted_at === null).length;
    const user = await signedInUser(t.http);
    expect(await metricValue(t.http, 'auth_users')).toBe(await active());
    const deleted = await t.http.request('DELETE', '/api/v1/users/me', {
      json: { password: user.password },
      token: user.accessToken,
    });
    expect(deleted.status).toBe(204);
    expect(await metricValue(t.http, 'auth_users')).toBe(await active());
  });

  it('reports 2FA adoption from the database, with a change another replica made', async () => {
    const enabled = async () => (await storedUsers(t)).filter((user) => user.mfa_enabled).length;
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const adopted = await enabled();
    expect(adopted).toBeGreaterThan(0);
    expect(await metricValue(t.http, 'auth_mfa_enabled_users')).toBe(adopted);

    const replica = await startTestApp({ database: t.database, clock: t.clock });
    try {
      const off = await replica.http.post(
        '/api/v1/2fa/disable',
        { password: user.password, code: enrollment.codeAt(t.clock.now()) },
        { token: user.accessToken },
      );
      expect(off.status).toBe(204);
    } finally {
      await replica.close();
    }
    expect(await metricValue(t.http, 'auth_mfa_enabled_users')).toBe(adopted - 1);
  });
});

describeOnPostgres('2FA adoption across replicas', () => {
  it('every replica reports the same count, whichever one enrolled the user', async () => {
    const a = await startTestApp();
    const b = await startTestApp({ database: a.database, clock: a.clock });
    try {
      const user = await signedInUser(a.http);
      await enroll(a.http, a.clock, user.accessToken);
      expect(await metricValue(a.http, 'auth_mfa_enabled_users')).toBe(1);
      expect(await metricValue(b.http, 'auth_mfa_enabled_users')).toBe(1);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
