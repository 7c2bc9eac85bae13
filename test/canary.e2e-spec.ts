import { enroll } from './factories/mfa.factory';
import { LogCapture } from './support/log-capture';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Runs every flow with recognizable secrets and then looks for each of them everywhere the service
 * writes: every column of every table, every log line (at the most verbose level) and every mail.
 */
describe('secrets never stored in clear, logged or mailed', () => {
  const logs = new LogCapture();
  let sink: SmtpSink;
  let t: TestApp;
  /** Each secret the flows handle, with what it is, so a failure names the leak. */
  const secrets = new Map<string, string>();
  const keep = (what: string, value: string | undefined) => {
    if (!value) throw new Error(`no ${what} to watch`);
    secrets.set(value, what);
  };

  beforeAll(async () => {
    sink = await SmtpSink.start();
    // First app of the file, so it also gets lines logged outside requests (see LogCapture).
    t = await startTestApp({
      env: { LOG_LEVEL: 'trace', SMTP_URL: sink.url, MAX_FAILED_LOGIN_ATTEMPTS: '3' },
      logDestination: logs,
    });
  });

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  it('runs the flows with canary values', async () => {
    const email = 'canary-user@example.com';
    const password = 'Canary-Pa55word-7f3e9!';
    const wrongPassword = 'Canary-Wr0ng-Pa55-c4d1!';
    const newPassword = 'Canary-N3w-Pa55-a1b2!';
    keep('password', password);
    keep('wrong password', wrongPassword);
    keep('new password', newPassword);

    expect((await t.http.post('/api/v1/auth/register', { email, password })).status).toBe(201);
    const first = await t.http.post('/api/v1/auth/login', { email, password });
    keep('access token', first.body.accessToken);
    keep('refresh token', first.body.refreshToken);
    const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    keep('rotated refresh token', refreshed.body.refreshToken);
    keep('refreshed access token', refreshed.body.accessToken);
    const token = refreshed.body.accessToken as string;

    const enrollment = await enroll(t.http, t.clock, token);
    keep('TOTP secret', enrollment.secret);
    enrollment.backupCodes.forEach((code, index) => {
      keep(`backup code ${index}`, code);
      keep(`backup code ${index} without dashes`, code.replace(/-/g, ''));
    });

    const pending = await t.http.post('/api/v1/auth/login', { email, password });
    keep('MFA token', pending.body.mfaToken);
    const second = await t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: pending.body.mfaToken,
      code: enrollment.codeAt(t.clock.now()),
    });
    keep('2FA access token', second.body.accessToken);
    keep('2FA refresh token', second.body.refreshToken);

    const viaBackup = await t.http.post('/api/v1/auth/login', { email, password });
    const third = await t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: viaBackup.body.mfaToken,
      code: enrollment.backupCodes[0],
    });
    expect(third.status).toBe(200);

    t.clock.advance(30_000);
    const regenerated = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: enrollment.codeAt(t.clock.now()) },
      { token: second.body.accessToken },
    );
    (regenerated.body.backupCodes as string[]).forEach((code, index) => keep(`new backup code ${index}`, code));

    const cookieLogin = await t.http.post(
      '/api/v1/auth/login',
      { email, password },
      { headers: { 'x-auth-mode': 'cookie' } },
    );
    for (const cookie of cookieLogin.headers.getSetCookie()) {
      const [name, value] = cookie.split(';')[0].split('=');
      keep(`${name} cookie`, value);
    }

    expect(
      (
        await t.http.post(
          '/api/v1/auth/password/change',
          { currentPassword: password, newPassword },
          { token: second.body.accessToken },
        )
      ).status,
    ).toBe(204);
    await t.http.post('/api/v1/auth/login', { email, password: wrongPassword });
    await t.http.post('/api/v1/auth/login', { email, password: wrongPassword });
    t.clock.advance(60_000);
    await t.http.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    await t.http.post('/api/v1/auth/logout', undefined, { token: second.body.accessToken });
    // The notices these flows cause: wait for them so the mail check below sees them all.
    await sink.waitFor((mail) => /password was changed/.test(mail.subject));
    await sink.waitFor((mail) => /New backup codes/.test(mail.subject));
    expect(secrets.size).toBeGreaterThan(30);
  });

  it('no secret is in any table, in clear', async () => {
    const tables: { name: string }[] = await t.dataSource.query(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((table) => table.name)).toEqual(
      expect.arrayContaining(['users', 'sessions', 'refresh_tokens', 'mfa_backup_codes', 'audit_events']),
    );
    let dump = '';
    for (const { name } of tables) {
      const rows: { row: string }[] = await t.dataSource.query(`SELECT t::text AS row FROM "${name}" t`);
      dump += rows.map((row) => row.row).join('\n');
    }
    expect(dump).toContain('canary-user@example.com');
    expect(leaksIn(dump)).toEqual([]);
  });

  it('no secret is in any log line', () => {
    const all = logs.lines.join('\n');
    expect(logs.lines.length).toBeGreaterThan(20);
    expect(all).toContain('/api/v1/auth/login/2fa');
    expect(leaksIn(all)).toEqual([]);
  });

  it('no secret is in any mail', () => {
    expect(sink.mails.length).toBeGreaterThanOrEqual(4);
    expect(leaksIn(sink.mails.map((mail) => mail.raw).join('\n'))).toEqual([]);
  });

  /** Names every watched secret found in `text`. */
  function leaksIn(text: string): string[] {
    return [...secrets].filter(([value]) => text.includes(value)).map(([, what]) => what);
  }
});
