import { MfaDisabling } from '../src/mfa/mfa-disabling.service';
import { enroll } from './factories/mfa.factory';
import { registerUser, signedInUser } from './factories/user.factory';
import { storedAuditEvents } from './support/db-inspect';
import { ReceivedMail, SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

describe('security notifications over SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        EMAIL_VERIFICATION: 'off',
        SMTP_URL: sink.url,
        MAIL_FROM: 'Twofold Security <security@example.test>',
        MAX_FAILED_LOGIN_ATTEMPTS: '2',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const mailTo = (email: string, subject: RegExp) =>
    sink.waitFor((mail) => mail.to === email && subject.test(mail.subject));

  function expectNoSecret(mail: ReceivedMail, secrets: string[]): void {
    for (const secret of secrets) {
      expect(mail.raw).not.toContain(secret);
      expect(mail.text).not.toContain(secret);
      expect(mail.html).not.toContain(secret);
    }
  }

  it('tells the user about 2FA, backup codes, password changes and token theft, with no secret in the mail', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const secrets = [user.password, user.accessToken, user.refreshToken, enrollment.secret, ...enrollment.backupCodes];

    const enabled = await mailTo(user.email, /^Two-factor authentication was turned on/);
    expect(enabled.raw).toMatch(/^From: Twofold Security <security@example\.test>/m);
    expect(enabled.html).toContain('<h2>Two-factor authentication was turned on for your account</h2>');

    const first = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const second = await t.http.post(
      '/api/v1/auth/login/2fa',
      { mfaToken: first.body.mfaToken, code: enrollment.backupCodes[0] },
      { headers: { 'user-agent': 'MailTest/1.0' } },
    );
    expect(second.status).toBe(200);
    const used = await mailTo(user.email, /^A backup code was used/);
    expect(used.text).toContain('You have 9 backup codes left.');
    expect(used.text).not.toContain('MailTest/1.0');
    expect(used.text).toContain('IP address: 127.0.0.1');

    const regenerated = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: enrollment.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    expect(regenerated.status).toBe(200);
    secrets.push(...regenerated.body.backupCodes);
    await mailTo(user.email, /^New backup codes were generated/);

    t.clock.advance(30_000);
    await t.http.post(
      '/api/v1/2fa/disable',
      { password: user.password, code: enrollment.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    const disabled = await mailTo(user.email, /^Two-factor authentication was turned off/);
    expect(disabled.text).not.toContain('An administrator');

    const newPassword = 'Mail-N3w-Passw0rd!';
    secrets.push(newPassword);
    const changed = await t.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: user.password, newPassword },
      { token: user.accessToken },
    );
    expect(changed.status).toBe(204);
    await mailTo(user.email, /^Your password was changed$/);

    const rotated = await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    secrets.push(rotated.body.refreshToken);
    t.clock.advance(60_000);
    expect((await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(401);
    await mailTo(user.email, /^We signed you out everywhere after a possible token theft$/);

    const mine = sink.mails.filter((mail) => mail.to === user.email);
    expect(mine.map((mail) => mail.subject)).toHaveLength(6);
    for (const mail of mine) expectNoSecret(mail, secrets);
  });

  it('tells the user when their account is locked', async () => {
    const user = await registerUser(t.http);
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    const locked = await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    expect(locked.status).toBe(423);
    const mail = await mailTo(user.email, /^Your account was locked after too many failed sign-in attempts$/);
    expect(mail.text).toContain('It unlocks by itself at');
    // Later attempts against the locked account don't mail again: a mail queued after them (the
    // sentinel) arrives, and still only the one lock notice is there.
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const sentinel = await signedInUser(t.http);
    await t.http.post(
      '/api/v1/auth/password/change',
      { currentPassword: sentinel.password, newPassword: 'Sentinel-N3w-Passw0rd!' },
      { token: sentinel.accessToken },
    );
    await mailTo(sentinel.email, /^Your password was changed$/);
    expect(sink.mails.filter((received) => received.to === user.email)).toHaveLength(1);
    expect(await storedAuditEvents(t, { userId: user.id, type: 'account.locked' })).toHaveLength(1);
  });

  it('says when an administrator turned 2FA off', async () => {
    const user = await signedInUser(t.http);
    await enroll(t.http, t.clock, user.accessToken);
    await t.app.get(MfaDisabling).disableFor(user.id, 'cli', 'Lost phone, identity checked by video call');
    const mail = await mailTo(user.email, /^An administrator turned off two-factor authentication/);
    expect(mail.text).toContain('all your sessions were ended');
    expect(mail.text).not.toContain('video call');
  });
});
