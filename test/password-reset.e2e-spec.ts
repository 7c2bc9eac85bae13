import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { enroll } from './factories/mfa.factory';
import { login, registerUser, signedInUser, TestUser } from './factories/user.factory';
import { storedAuditEvents } from './support/db-inspect';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';
import { answerTimeGap, timed } from './support/timing';

const NEW_PASSWORD = 'Reset-N3w-Passw0rd!';

describe('password reset', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        PASSWORD_RESET_TTL_MINUTES: '30',
        MAX_FAILED_LOGIN_ATTEMPTS: '2',
        // Even with the proxy trusted, X-Forwarded-Host must not shape links.
        TRUST_PROXY: '1',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  /** Asks for a reset link (with hostile Host headers) and reads the token out of the mail. */
  async function resetToken(user: TestUser): Promise<{ token: string; link: string }> {
    const before = sink.mails.filter((mail) => mail.to === user.email).length;
    // fetch() always sends the real Host: node:http lets the test forge it.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const body = JSON.stringify({ email: user.email.toUpperCase() });
      const req = request(
        `${t.baseUrl}/api/v1/auth/password/forgot`,
        {
          method: 'POST',
          headers: {
            host: 'evil.example',
            'x-forwarded-host': 'evil.example',
            'x-forwarded-proto': 'http',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(202);
    await sink.waitFor(
      (mail) =>
        mail.to === user.email &&
        mail.subject === 'Reset your password' &&
        sink.mails.filter((other) => other.to === user.email).length > before,
    );
    const mail = sink.mails.filter((other) => other.to === user.email && other.subject === 'Reset your password').pop();
    const link = /https?:\/\/\S+token=([A-Za-z0-9_-]{43})/.exec(mail?.text ?? '');
    if (!link) throw new Error('no link in the reset mail');
    return { token: link[1], link: link[0] };
  }

  const reset = (token: string, newPassword = NEW_PASSWORD) =>
    t.http.post('/api/v1/auth/password/reset', { token, newPassword });

  it('mails a link on PUBLIC_URL whatever the Host headers say, sets the password and ends every session', async () => {
    const user = await signedInUser(t.http);
    const { token, link } = await resetToken(user);
    expect(link).toBe(`https://auth.example.test/reset-password?token=${token}`);

    expect((await reset(token)).status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(401);
    const after = await login(t.http, { email: user.email, password: NEW_PASSWORD });
    const me = await t.http.get('/api/v1/auth/me', { token: after.accessToken });
    expect(me.body.emailVerified).toBe(true);
    await sink.waitFor((mail) => mail.to === user.email && mail.subject === 'Your password was reset');

    const types = (await storedAuditEvents(t, { userId: user.id })).map((row) => row.type);
    expect(types).toEqual(
      expect.arrayContaining(['password.reset_requested', 'session.revoked', 'password.reset_completed']),
    );
    expect(JSON.stringify((await storedAuditEvents(t)).map((event) => event.details))).not.toContain(token);
  });

  it('answers an unknown email exactly like a known one, and mails nobody', async () => {
    const user = await registerUser(t.http);
    const known = await t.http.post('/api/v1/auth/password/forgot', { email: user.email });
    const unknown = await t.http.post('/api/v1/auth/password/forgot', { email: 'nobody-here@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    await sink.waitFor((mail) => mail.to === user.email);
    expect(sink.mails.some((mail) => mail.to === 'nobody-here@example.com')).toBe(false);
  });

  it('works once, and a newer link kills the older one', async () => {
    const user = await registerUser(t.http);
    const first = await resetToken(user);
    const second = await resetToken(user);
    expect((await reset(first.token)).status).toBe(410);
    expect((await reset(second.token)).status).toBe(204);
    const replay = await reset(second.token, 'Another-N3w-Passw0rd!');
    expect(replay.status).toBe(410);
    expect(replay.body.code).toBe('token_expired_or_used');
  });

  it('expires after PASSWORD_RESET_TTL_MINUTES', async () => {
    const user = await registerUser(t.http);
    const { token } = await resetToken(user);
    t.clock.advance(30 * 60_000 + 1000);
    expect((await reset(token)).status).toBe(410);
  });

  it('applies the policy and the history, and a refused password leaves the link usable', async () => {
    const user = await registerUser(t.http);
    const { token } = await resetToken(user);
    const weak = await reset(token, 'short');
    expect(weak.status).toBe(400);
    expect(weak.body.code).toBe('weak_password');
    const reused = await reset(token, user.password);
    expect(reused.status).toBe(400);
    expect(reused.body.code).toBe('password_reused');
    expect((await reset(token)).status).toBe(204);
  });

  it('refuses malformed and unknown tokens with 400', async () => {
    expect((await reset('not-a-token')).status).toBe(400);
    const unknown = await reset('A'.repeat(43));
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('invalid_token');
  });

  it('does not skip 2FA, and it unlocks a locked account', async () => {
    const user = await signedInUser(t.http);
    await enroll(t.http, t.clock, user.accessToken);
    await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    const locked = await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    expect(locked.status).toBe(423);

    const { token } = await resetToken(user);
    expect((await reset(token)).status).toBe(204);
    const next = await t.http.post('/api/v1/auth/login', { email: user.email, password: NEW_PASSWORD });
    expect(next.status).toBe(200);
    expect(next.body.status).toBe('mfa_required');
  });

  describe('timing', () => {
    let quiet: TestApp;

    // Its own app, mailing to the development outbox: the SMTP sink in this process would load the
    // very process that measures.
    beforeAll(async () => {
      quiet = await startTestApp();
    });

    afterAll(async () => {
      await quiet.close();
    });

    it('answers as fast for an account as for an unknown email (no timing oracle)', async () => {
      const accounts: TestUser[] = [];
      for (let i = 0; i < 4; i++) accounts.push(await registerUser(quiet.http));
      const forgot = (email: string) =>
        timed(async () => {
          const res = await quiet.http.post('/api/v1/auth/password/forgot', { email });
          expect(res.status).toBe(202);
        });
      // Before, an account answered 1-3 ms later (a transaction and the mail, against one insert).
      const result = await answerTimeGap(
        (round) => forgot(accounts[round % accounts.length].email),
        (round) => forgot(`nobody-${round}-${randomUUID()}@example.com`),
      );
      expect(result.gapMs).toBeLessThan(result.allowedMs);
    });
  });
});
