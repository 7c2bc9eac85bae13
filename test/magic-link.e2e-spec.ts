import { FeatureFlagService } from '../src/feature-flags/feature-flag.service';
import { enroll } from './factories/mfa.factory';
import { registerUser, signedInUser, TestUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { metricValue } from './support/metrics';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const SUBJECT = 'Your sign-in link';

describe('magic links', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        FEATURE_PASSWORDLESS_AUTH: 'true',
        MAGIC_LINK_TTL_MINUTES: '15',
        MAX_FAILED_LOGIN_ATTEMPTS: '2',
        // Shorter than the link's life, so a link refused during a lock can still be used after it.
        ACCOUNT_LOCKOUT_DURATION_MINUTES: '10',
      },
    });
  });

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  const linksTo = (user: TestUser) => sink.mails.filter((mail) => mail.to === user.email && mail.subject === SUBJECT);

  /** Asks for a link and reads the token out of the newest mail. */
  async function magicToken(user: TestUser): Promise<string> {
    const before = linksTo(user).length;
    const res = await t.http.post('/api/v1/auth/magic-link', { email: user.email });
    expect(res.status).toBe(202);
    await sink.waitFor(() => linksTo(user).length > before);
    const match = /https:\/\/auth\.example\.test\/magic-link\?token=([A-Za-z0-9_-]{43})/.exec(
      linksTo(user)[before].text,
    );
    if (!match) throw new Error('no link in the mail');
    return match[1];
  }

  const verify = (token: string) => t.http.post('/api/v1/auth/magic-link/verify', { token });

  it('signs in once with a mailed link, as an email-authenticated aal1 session', async () => {
    const user = await registerUser(t.http);
    const requests = await metricValue(t.http, 'auth_magiclink_requests_total', { status: 'sent' });
    const token = await magicToken(user);
    const signedIn = await verify(token);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.status).toBe('authenticated');
    expect(claimsOf(signedIn.body.accessToken)).toEqual(expect.objectContaining({ amr: ['email'], aal: 'aal1' }));
    const me = await t.http.get('/api/v1/auth/me', { token: signedIn.body.accessToken });
    expect(me.body.emailVerified).toBe(true);

    const replay = await verify(token);
    expect(replay.status).toBe(410);
    expect(await metricValue(t.http, 'auth_magiclink_requests_total', { status: 'sent' })).toBe(requests + 1);
    expect(await metricValue(t.http, 'auth_magiclink_verifications_total', { result: 'expired_or_used' })).toBe(1);
    const types = (await storedAuditEvents(t, { userId: user.id })).map((row) => row.type);
    expect(types).toEqual(expect.arrayContaining(['magic_link.requested', 'magic_link.used', 'login.succeeded']));
  });

  it('answers an unknown email like a known one and mails nobody', async () => {
    const user = await registerUser(t.http);
    const known = await t.http.post('/api/v1/auth/magic-link', { email: user.email });
    const unknown = await t.http.post('/api/v1/auth/magic-link', { email: 'nobody-here@example.com' });
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    await sink.waitFor((mail) => mail.to === user.email);
    expect(sink.mails.some((mail) => mail.to === 'nobody-here@example.com')).toBe(false);
  });

  it('expires after MAGIC_LINK_TTL_MINUTES, and a newer link kills the older one', async () => {
    const user = await registerUser(t.http);
    const expiring = await magicToken(user);
    t.clock.advance(15 * 60_000 + 1000);
    expect((await verify(expiring)).status).toBe(410);

    const older = await magicToken(user);
    const newer = await magicToken(user);
    expect((await verify(older)).status).toBe(410);
    expect((await verify(newer)).status).toBe(200);
    expect((await verify('A'.repeat(43))).status).toBe(400);
  });

  it('still asks for the second factor when 2FA is on, and refuses a locked account', async () => {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const link = await magicToken(user);
    const pending = await verify(link);
    expect(pending.body.status).toBe('mfa_required');
    expect((await verify(link)).status).toBe(410);
    const done = await t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: pending.body.mfaToken,
      code: enrollment.codeAt(t.clock.now()),
    });
    expect(done.status).toBe(200);
    expect(claimsOf(done.body.accessToken)).toEqual(expect.objectContaining({ amr: ['email', 'otp'], aal: 'aal2' }));

    const other = await registerUser(t.http);
    await t.http.post('/api/v1/auth/login', { email: other.email, password: 'Wrong-Passw0rd!' });
    await t.http.post('/api/v1/auth/login', { email: other.email, password: 'Wrong-Passw0rd!' });
    const locked = await verify(await magicToken(other));
    expect(locked.status).toBe(423);
  });

  it('does not use up a link refused while the account is locked: it works once the lock ends', async () => {
    const user = await registerUser(t.http);
    const link = await magicToken(user);
    for (let attempt = 0; attempt < 2; attempt++) {
      await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
    }
    const locked = await verify(link);
    expect(locked.status).toBe(423);
    expect(locked.body).toEqual(expect.objectContaining({ code: 'account_locked', lockedUntil: expect.any(String) }));
    expect((await verify(link)).status).toBe(423);
    const links = (await storedRowsOf(t, 'one_time_tokens', user.id)).filter((row) => row.purpose === 'magic_link');
    expect(links).toEqual([expect.objectContaining({ used_at: null })]);

    t.clock.advance(Date.parse(locked.body.lockedUntil) - t.clock.now().getTime() + 1000);
    const signedIn = await verify(link);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.status).toBe('authenticated');
    expect((await verify(link)).status).toBe(410);
  });

  it('does not use up a link refused by the flag targeting: it works once the account is targeted again', async () => {
    const flags = t.app.get(FeatureFlagService);
    const user = await registerUser(t.http);
    const link = await magicToken(user);
    await flags.update('passwordless_auth', { enabled: true, rolloutPercent: 0, allowEmails: [] }, 'test');
    try {
      expect((await verify(link)).status).toBe(410);
    } finally {
      await flags.update('passwordless_auth', { enabled: true, rolloutPercent: 100, allowEmails: [] }, 'test');
    }
    const signedIn = await verify(link);
    expect(signedIn.status).toBe(200);
    expect(claimsOf(signedIn.body.accessToken).amr).toEqual(['email']);
  });

  it('sends links only to the accounts the flag targets, and the kill switch turns the routes off at once', async () => {
    const flags = t.app.get(FeatureFlagService);
    const chosen = await registerUser(t.http);
    const other = await registerUser(t.http);
    await flags.update('passwordless_auth', { enabled: true, rolloutPercent: 0, allowEmails: [chosen.email] }, 'test');
    try {
      expect((await t.http.post('/api/v1/auth/magic-link', { email: other.email })).status).toBe(202);
      await magicToken(chosen);
      expect(linksTo(other)).toHaveLength(0);

      const pending = await magicToken(chosen);
      await flags.update('passwordless_auth', { enabled: false }, 'test');
      expect((await t.http.post('/api/v1/auth/magic-link', { email: chosen.email })).status).toBe(404);
      expect((await verify(pending)).status).toBe(404);
    } finally {
      await flags.update('passwordless_auth', { enabled: true, rolloutPercent: 100, allowEmails: [] }, 'test');
    }
  });
});

describe('magic links switched off', () => {
  it('answers 404 while passwordless_auth is off (its default)', async () => {
    const t = await startTestApp();
    try {
      const user = await registerUser(t.http);
      expect((await t.http.post('/api/v1/auth/magic-link', { email: user.email })).status).toBe(404);
      expect((await t.http.post('/api/v1/auth/magic-link/verify', { token: 'A'.repeat(43) })).status).toBe(404);
    } finally {
      await t.close();
    }
  });
});
