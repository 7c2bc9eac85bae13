import { randomUUID } from 'node:crypto';
import { registerUser, TestUser } from './factories/user.factory';
import { storedAuditEvents } from './support/db-inspect';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';
import { answerTimeGap, timed } from './support/timing';

const VERIFY_SUBJECT = 'Confirm your email address';

function tokenIn(text: string): string {
  const match = /https:\/\/auth\.example\.test\/verify-email\?token=([A-Za-z0-9_-]{43})/.exec(text);
  if (!match) throw new Error('no verification link in the mail');
  return match[1];
}

describe('email verification', () => {
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
  });

  afterAll(async () => {
    await sink.close();
  });

  const verificationMails = (user: TestUser) =>
    sink.mails.filter((mail) => mail.to === user.email && mail.subject === VERIFY_SUBJECT);

  async function nthVerificationToken(user: TestUser, n: number): Promise<string> {
    await sink.waitFor(() => verificationMails(user).length >= n);
    return tokenIn(verificationMails(user)[n - 1].text);
  }

  describe('optional', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ env: { SMTP_URL: sink.url, EMAIL_VERIFICATION: 'optional' } });
    });

    afterAll(async () => {
      await t.close();
    });

    it('mails a link at registration; the link confirms the address once', async () => {
      const user = await registerUser(t.http);
      const token = await nthVerificationToken(user, 1);
      const signedIn = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(signedIn.status).toBe(200);
      const me = () => t.http.get('/api/v1/auth/me', { token: signedIn.body.accessToken });
      expect((await me()).body.emailVerified).toBe(false);

      expect((await t.http.post('/api/v1/auth/email/verify', { token })).status).toBe(204);
      expect((await me()).body.emailVerified).toBe(true);
      expect((await t.http.post('/api/v1/auth/email/verify', { token })).status).toBe(410);
      expect(await storedAuditEvents(t, { userId: user.id, type: 'email.verified' })).toHaveLength(1);
    });

    it('expires the link after 48 hours', async () => {
      const user = await registerUser(t.http);
      const token = await nthVerificationToken(user, 1);
      t.clock.advance(48 * 3_600_000 + 1000);
      expect((await t.http.post('/api/v1/auth/email/verify', { token })).status).toBe(410);
    });

    it('resends only to an unconfirmed account, with the same answer for any email', async () => {
      const user = await registerUser(t.http);
      const known = await t.http.post('/api/v1/auth/email/verify/resend', { email: user.email });
      const unknown = await t.http.post('/api/v1/auth/email/verify/resend', { email: 'nobody-here@example.com' });
      expect(known.status).toBe(202);
      expect(unknown.status).toBe(202);
      expect(unknown.text).toBe(known.text);
      const first = await nthVerificationToken(user, 1);
      const second = await nthVerificationToken(user, 2);
      expect((await t.http.post('/api/v1/auth/email/verify', { token: first })).status).toBe(410);
      expect((await t.http.post('/api/v1/auth/email/verify', { token: second })).status).toBe(204);
      expect(sink.mails.some((mail) => mail.to === 'nobody-here@example.com')).toBe(false);
      const requests = await storedAuditEvents(t, { type: 'email.verification_requested' });
      expect(requests[requests.length - 1]).toEqual(
        expect.objectContaining({ user_id: null, details: { account: 'unknown' } }),
      );
    });

    it('refuses malformed tokens with 400', async () => {
      expect((await t.http.post('/api/v1/auth/email/verify', { token: 'x' })).status).toBe(400);
      expect((await t.http.post('/api/v1/auth/email/verify', {})).status).toBe(400);
    });
  });

  describe('resend timing', () => {
    let t: TestApp;

    // Its own app, mailing to the development outbox: an SMTP sink in this process would load the very
    // process that measures.
    beforeAll(async () => {
      t = await startTestApp({ env: { EMAIL_VERIFICATION: 'optional' } });
    });

    afterAll(async () => {
      await t.close();
    });

    it('answers as fast for an unconfirmed account as for an unknown email (no timing oracle)', async () => {
      const accounts: TestUser[] = [];
      for (let i = 0; i < 4; i++) accounts.push(await registerUser(t.http));
      const resend = (email: string) =>
        timed(async () => {
          const res = await t.http.post('/api/v1/auth/email/verify/resend', { email });
          expect(res.status).toBe(202);
        });
      // Before, an unconfirmed account answered about 2 ms later (a transaction against none at all).
      const result = await answerTimeGap(
        (round) => resend(accounts[round % accounts.length].email),
        (round) => resend(`nobody-${round}-${randomUUID()}@example.com`),
      );
      expect(result.gapMs).toBeLessThan(result.allowedMs);
    });
  });

  describe('required', () => {
    it('refuses login with email_not_verified until the address is confirmed', async () => {
      const t = await startTestApp({ env: { SMTP_URL: sink.url, EMAIL_VERIFICATION: 'required' } });
      try {
        const user = await registerUser(t.http);
        const refused = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
        expect(refused.status).toBe(403);
        expect(refused.body.code).toBe('email_not_verified');
        // A wrong password still gets the usual 401: the 403 tells nothing to someone without the password.
        const wrong = await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-Passw0rd!' });
        expect(wrong.status).toBe(401);

        const token = await nthVerificationToken(user, 1);
        expect((await t.http.post('/api/v1/auth/email/verify', { token })).status).toBe(204);
        const accepted = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
        expect(accepted.status).toBe(200);
      } finally {
        await t.close();
      }
    });
  });

  describe('off', () => {
    it('mails nothing and leaves login open', async () => {
      const t = await startTestApp({ env: { SMTP_URL: sink.url, EMAIL_VERIFICATION: 'off' } });
      try {
        const user = await registerUser(t.http);
        expect((await t.http.post('/api/v1/auth/email/verify/resend', { email: user.email })).status).toBe(202);
        const other = await registerUser(t.http);
        await t.http.post('/api/v1/auth/password/forgot', { email: other.email });
        await sink.waitFor((mail) => mail.to === other.email);
        expect(verificationMails(user)).toHaveLength(0);
        expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(
          200,
        );
      } finally {
        await t.close();
      }
    });
  });
});
