import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { generateRegistrationOptions } from '@simplewebauthn/server';
import { Admin, makeAdmin } from './factories/admin.factory';
import { enroll } from './factories/mfa.factory';
import {
  FOREIGN_ORIGIN,
  PasskeyUser,
  passkeyUser,
  passwordlessOptions,
  passwordStep,
  registrationOptions,
  secondFactorAssertion,
  secondFactorOptions,
  SERVICE_ORIGIN,
  setPasskeyFlag,
  withBrokenSignature,
} from './factories/passkey.factory';
import { registerUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf, storedUser } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { metricValue } from './support/metrics';
import { PasskeyPage, useBrowserTabs } from './support/passkey-browser';
import { startTestApp, TestApp } from './support/test-app';

const MAX_FAILED = 5;

describe('signing in with a passkey in a real browser', () => {
  let t: TestApp;
  /** A new tab with its own virtual authenticator, closed after the test. */
  const openPage = useBrowserTabs({
    origin: SERVICE_ORIGIN,
    boot: async () => {
      t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: String(MAX_FAILED) } });
    },
    teardown: async () => {
      await t?.close();
    },
  });

  /** A user whose only second factor is a passkey on a page of their own. */
  async function userWithPage(): Promise<{ user: PasskeyUser; page: PasskeyPage }> {
    const page = await openPage();
    return { user: await passkeyUser(t.http, page), page };
  }

  const secondFactor = (mfaToken: string, response: unknown) =>
    t.http.post('/api/v1/auth/login/webauthn', { mfaToken, response });
  const passwordless = (response: unknown) => t.http.post('/api/v1/auth/passkey', { response });
  const authentications = (flow: string, result: string) =>
    metricValue(t.http, 'auth_webauthn_authentications_total', { flow, result });
  const failures = async (userId: string) => (await storedUser(t, userId))?.failed_login_attempts;
  const withoutRequestId = ({ requestId, ...body }: Record<string, unknown>) => {
    expect(requestId).toEqual(expect.any(String));
    return body;
  };
  /** The request options with another challenge, as a client replaying an old one would send. */
  const withChallenge = (options: PublicKeyCredentialRequestOptionsJSON, challenge: string) => ({
    ...options,
    challenge,
  });
  const invalidSecondFactor = expect.objectContaining({ statusCode: 401, code: 'invalid_second_factor' });

  describe('as the second factor of a password login', () => {
    it('asks for the passkey at password login, and completes it at aal2 with amr pwd,hwk', async () => {
      const { user, page } = await userWithPage();
      const succeeded = await authentications('second_factor', 'success');

      const first = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(first.body).toEqual({
        status: 'mfa_required',
        mfaToken: expect.any(String),
        methods: ['webauthn', 'backup_code'],
        expiresIn: 300,
      });
      const options = await secondFactorOptions(t.http, first.body.mfaToken);
      expect(options).toEqual(
        expect.objectContaining({
          rpId: 'auth.example.test',
          challenge: expect.any(String),
          userVerification: 'preferred',
          allowCredentials: [expect.objectContaining({ id: user.response.id, type: 'public-key' })],
        }),
      );
      const assertion = await page.authenticate(options);
      t.clock.advance(1_000);
      const res = await secondFactor(first.body.mfaToken, assertion);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ status: 'authenticated', accessToken: expect.any(String), tokenType: 'Bearer' }),
      );
      expect(claimsOf(res.body.accessToken)).toEqual(
        expect.objectContaining({ sub: user.id, aal: 'aal2', amr: ['pwd', 'hwk'], sid: res.body.sessionId }),
      );
      const me = await t.http.get('/api/v1/auth/me', { token: res.body.accessToken });
      expect(me.body.session).toEqual({ id: res.body.sessionId, aal: 'aal2', scope: 'full' });

      const [listed] = (await t.http.get('/api/v1/webauthn/credentials', { token: res.body.accessToken })).body;
      expect(listed.lastUsedAt).toBe(t.clock.now().toISOString());
      const [held] = await page.credentials();
      const [stored] = await storedRowsOf(t, 'webauthn_credentials', user.id);
      expect(Number(stored.counter)).toBe(held.signCount);
      expect(await authentications('second_factor', 'success')).toBe(succeeded + 1);
    });

    it('delivers the tokens as cookies when the login asked for cookie mode', async () => {
      const { user, page } = await userWithPage();
      const first = await t.http.post(
        '/api/v1/auth/login',
        { email: user.email, password: user.password },
        { headers: { 'x-auth-mode': 'cookie' } },
      );
      const assertion = await secondFactorAssertion(t.http, page, first.body.mfaToken);
      const res = await t.http.post(
        '/api/v1/auth/login/webauthn',
        { mfaToken: first.body.mfaToken, response: assertion },
        { headers: { 'x-auth-mode': 'cookie' } },
      );
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('authenticated');
      expect(res.body.accessToken).toBeUndefined();
      const cookies = Object.fromEntries(
        res.headers.getSetCookie().map((line) => {
          const [name, ...value] = line.split(';')[0].split('=');
          return [name.trim(), value.join('=')];
        }),
      );
      expect(Object.keys(cookies)).toEqual(expect.arrayContaining(['access_token', 'refresh_token', 'csrf_token']));
      expect(claimsOf(cookies.access_token)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'hwk'] }));
    });

    it('offers totp, webauthn and backup codes side by side, and a backup code still signs in', async () => {
      const { user } = await userWithPage();
      await enroll(t.http, t.clock, user.accessToken);
      const first = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(first.body.methods).toEqual(['totp', 'webauthn', 'backup_code']);
      const res = await t.http.post('/api/v1/auth/login/2fa', {
        mfaToken: first.body.mfaToken,
        code: user.backupCodes[0],
      });
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.accessToken).amr).toEqual(['pwd', 'backup_code']);
    });

    it('refuses the same assertion sent again, and counts it on the failure counter', async () => {
      const { user, page } = await userWithPage();
      const replays = await authentications('second_factor', 'invalid_challenge');
      const mfaToken = await passwordStep(t.http, user);
      const assertion = await secondFactorAssertion(t.http, page, mfaToken);
      expect((await secondFactor(mfaToken, assertion)).status).toBe(200);

      const again = await secondFactor(await passwordStep(t.http, user), assertion);
      expect(again.status).toBe(401);
      expect(again.body).toEqual(invalidSecondFactor);
      expect(await failures(user.id)).toBe(1);
      expect(await authentications('second_factor', 'invalid_challenge')).toBe(replays + 1);
    });

    it('lets one of two simultaneous sends of the same assertion through', async () => {
      const { user, page } = await userWithPage();
      const [one, two] = [await passwordStep(t.http, user), await passwordStep(t.http, user)];
      const assertion = await secondFactorAssertion(t.http, page, one);
      const answers = await Promise.all([secondFactor(one, assertion), secondFactor(two, assertion)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
      expect(answers.find((answer) => answer.status === 401)?.body).toEqual(invalidSecondFactor);
      const sessions = await storedRowsOf(t, 'sessions', user.id);
      expect(sessions.filter((session) => (session.amr as string[]).includes('hwk'))).toHaveLength(1);
    });

    it('locks the account after repeated bad passkey answers', async () => {
      const { user, page } = await userWithPage();
      const mfaToken = await passwordStep(t.http, user);
      const first = await secondFactorAssertion(t.http, page, mfaToken);
      const broken = await secondFactor(mfaToken, withBrokenSignature(first));
      expect(broken.status).toBe(401);
      expect(broken.body).toEqual(invalidSecondFactor);
      // Its challenge went with the refused attempt: the intact answer is a replay now.
      expect((await secondFactor(mfaToken, first)).status).toBe(401);
      expect(await failures(user.id)).toBe(2);
      for (let failed = 3; failed < MAX_FAILED; failed++) {
        const bad = await secondFactor(
          mfaToken,
          withBrokenSignature(await secondFactorAssertion(t.http, page, mfaToken)),
        );
        expect(bad.status).toBe(401);
      }
      const last = await secondFactor(
        mfaToken,
        withBrokenSignature(await secondFactorAssertion(t.http, page, mfaToken)),
      );
      expect(last.status).toBe(423);
      expect(last.body).toEqual(expect.objectContaining({ code: 'account_locked', lockedUntil: expect.any(String) }));

      const good = await secondFactorAssertion(t.http, page, mfaToken);
      expect((await secondFactor(mfaToken, good)).status).toBe(423);
      expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(
        423,
      );
    });

    it('refuses an assertion whose signature counter went backwards, and audits a suspected clone', async () => {
      const { user, page } = await userWithPage();
      const [snapshot] = await page.credentials();
      for (let i = 0; i < 2; i++) {
        const mfaToken = await passwordStep(t.http, user);
        expect((await secondFactor(mfaToken, await secondFactorAssertion(t.http, page, mfaToken))).status).toBe(200);
      }
      const [stored] = await storedRowsOf(t, 'webauthn_credentials', user.id);
      expect(Number(stored.counter)).toBe(snapshot.signCount + 2);
      const clones = await authentications('second_factor', 'clone_suspected');

      // The authenticator as it was before those two sign-ins: a copy of its key made back then.
      await page.replaceCredential(snapshot);
      const mfaToken = await passwordStep(t.http, user);
      const cloned = await secondFactor(mfaToken, await secondFactorAssertion(t.http, page, mfaToken));
      expect(cloned.status).toBe(401);
      expect(cloned.body).toEqual(invalidSecondFactor);
      expect(await failures(user.id)).toBe(1);
      expect(Number((await storedRowsOf(t, 'webauthn_credentials', user.id))[0].counter)).toBe(snapshot.signCount + 2);
      expect(await storedAuditEvents(t, { userId: user.id, type: 'webauthn.clone_suspected' })).toEqual([
        expect.objectContaining({
          details: expect.objectContaining({
            passkeyId: user.passkey.id,
            storedCounter: snapshot.signCount + 2,
            receivedCounter: snapshot.signCount + 1,
          }),
        }),
      ]);
      expect(await authentications('second_factor', 'clone_suspected')).toBe(clones + 1);
    });

    it('refuses an answer made on another origin with 401, counted', async () => {
      const { user, page } = await userWithPage();
      // The same passkey on a page of a subdomain, which the browser lets use the RP ID auth.example.test.
      const foreign = await openPage(FOREIGN_ORIGIN);
      await foreign.addCredential((await page.credentials())[0]);
      const mfaToken = await passwordStep(t.http, user);
      const assertion = await secondFactorAssertion(t.http, foreign, mfaToken);
      expect(JSON.parse(Buffer.from(assertion.response.clientDataJSON, 'base64url').toString()).origin).toBe(
        FOREIGN_ORIGIN,
      );
      const res = await secondFactor(mfaToken, assertion);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(invalidSecondFactor);
      expect(await failures(user.id)).toBe(1);
      // The same passkey on the service's own origin still signs in.
      expect((await secondFactor(mfaToken, await secondFactorAssertion(t.http, page, mfaToken))).status).toBe(200);
    });

    it('refuses a passkey of another user, and an answer to another user’s challenge', async () => {
      const alice = await userWithPage();
      const bob = await userWithPage();
      const bobsToken = await passwordStep(t.http, bob.user);
      const bobsOptions = await secondFactorOptions(t.http, bobsToken);

      // Alice's passkey answering Bob's challenge, sent for Bob's login.
      const alicesKey = await alice.page.authenticate({ ...bobsOptions, allowCredentials: undefined });
      expect(alicesKey.id).toBe(alice.user.response.id);
      const foreignKey = await secondFactor(bobsToken, alicesKey);
      expect(foreignKey.status).toBe(401);
      expect(foreignKey.body).toEqual(invalidSecondFactor);
      expect(await failures(bob.user.id)).toBe(1);

      // Bob's own passkey answering a challenge issued to Alice's login.
      const alicesToken = await passwordStep(t.http, alice.user);
      const { challenge } = await secondFactorOptions(t.http, alicesToken);
      const answer = await bob.page.authenticate(withChallenge(bobsOptions, challenge));
      const foreignChallenge = await secondFactor(bobsToken, answer);
      expect(foreignChallenge.status).toBe(401);
      expect(foreignChallenge.body).toEqual(invalidSecondFactor);
      expect(await failures(bob.user.id)).toBe(2);
      expect(await failures(alice.user.id)).toBe(0);
    });

    it('refuses an answer to a registration challenge, and to one older than 5 minutes', async () => {
      const { user, page } = await userWithPage();
      const mfaToken = await passwordStep(t.http, user);
      const options = await secondFactorOptions(t.http, mfaToken);
      const registration = await registrationOptions(t.http, user.accessToken);
      const crossed = await secondFactor(
        mfaToken,
        await page.authenticate(withChallenge(options, registration.challenge)),
      );
      expect(crossed.status).toBe(401);
      expect(crossed.body).toEqual(invalidSecondFactor);

      // The login's MFA token lives 5 minutes too: a fresh one, with an answer to the stale challenge.
      const stale = await secondFactorOptions(t.http, await passwordStep(t.http, user));
      t.clock.advance(5 * 60_000 + 1_000);
      const late = await secondFactor(await passwordStep(t.http, user), await page.authenticate(stale));
      expect(late.status).toBe(401);
      expect(late.body).toEqual(invalidSecondFactor);
      expect(await failures(user.id)).toBe(2);
    });

    it('refuses passkey options and answers without a valid MFA token', async () => {
      const { user, page } = await userWithPage();
      const mfaToken = await passwordStep(t.http, user);
      const assertion = await secondFactorAssertion(t.http, page, mfaToken);
      for (const res of [
        await t.http.post('/api/v1/auth/login/webauthn/options', { mfaToken: user.accessToken }),
        await secondFactor(user.accessToken, assertion),
      ]) {
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('invalid_mfa_token');
      }
      const plain = await registerUser(t.http);
      const withoutPasskey = await t.http.post('/api/v1/auth/login', { email: plain.email, password: plain.password });
      expect(withoutPasskey.body.status).toBe('authenticated');
    });
  });

  describe('passwordless', () => {
    let admin: Admin;

    beforeAll(async () => {
      admin = await makeAdmin(t);
    });

    it('is not there while the passkey_auth flag is off', async () => {
      const { page } = await userWithPage();
      expect((await t.http.post('/api/v1/auth/passkey/options')).status).toBe(404);
      const response = await page.authenticate({
        challenge: 'c29tZS1jaGFsbGVuZ2UtMTIzNDU2',
        rpId: 'auth.example.test',
      });
      expect((await passwordless(response)).status).toBe(404);
    });

    it('targets like the other flags: an account the flag does not reach gets the wrong-password body', async () => {
      const [left, chosen] = await Promise.all([userWithPage(), userWithPage()]);
      await setPasskeyFlag(t, admin, { enabled: true, rolloutPercent: 0, allowEmails: [chosen.user.email] });

      const refused = await passwordless(await left.page.authenticate(await passwordlessOptions(t.http)));
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(
        expect.objectContaining({ code: 'invalid_credentials', message: 'Invalid email or password' }),
      );
      const allowed = await passwordless(await chosen.page.authenticate(await passwordlessOptions(t.http)));
      expect(allowed.status).toBe(200);
      expect(claimsOf(allowed.body.accessToken).sub).toBe(chosen.user.id);
    });

    describe('with the flag on for everyone', () => {
      beforeAll(async () => {
        await setPasskeyFlag(t, admin, { enabled: true, rolloutPercent: 100, allowEmails: [] });
      });

      it('signs in with the passkey alone at aal2, amr hwk,user, when the authenticator verified the user', async () => {
        const { user, page } = await userWithPage();
        const succeeded = await authentications('passwordless', 'success');
        const options = await passwordlessOptions(t.http);
        expect(options).toEqual(expect.objectContaining({ rpId: 'auth.example.test', userVerification: 'preferred' }));
        expect(options.allowCredentials ?? []).toEqual([]);
        const assertion = await page.authenticate(options);
        expect(assertion.response.userHandle).toBe(Buffer.from(user.id).toString('base64url'));
        const res = await passwordless(assertion);
        expect(res.status).toBe(200);
        expect(res.body.status).toBe('authenticated');
        expect(claimsOf(res.body.accessToken)).toEqual(
          expect.objectContaining({ sub: user.id, aal: 'aal2', amr: ['hwk', 'user'] }),
        );
        const me = await t.http.get('/api/v1/auth/me', { token: res.body.accessToken });
        expect(me.body).toEqual(expect.objectContaining({ id: user.id, email: user.email }));
        expect(me.body.session).toEqual(expect.objectContaining({ aal: 'aal2' }));
        expect(await authentications('passwordless', 'success')).toBe(succeeded + 1);
      });

      it('signs in at aal1, amr hwk, when the authenticator did not verify the user', async () => {
        const { user, page } = await userWithPage();
        await page.setUserVerified(false);
        const options = await passwordlessOptions(t.http);
        const assertion = await page.authenticate({ ...options, userVerification: 'discouraged' });
        const res = await passwordless(assertion);
        expect(res.status).toBe(200);
        expect(claimsOf(res.body.accessToken)).toEqual(
          expect.objectContaining({ sub: user.id, aal: 'aal1', amr: ['hwk'] }),
        );
        const me = await t.http.get('/api/v1/auth/me', { token: res.body.accessToken });
        expect(me.body.session).toEqual(expect.objectContaining({ aal: 'aal1' }));
      });

      it('answers an unknown passkey with exactly the body of a wrong password', async () => {
        const page = await openPage();
        const unknown = await authentications('passwordless', 'unknown_credential');
        // A passkey the authenticator made for this RP ID, never registered with the service.
        const local = await generateRegistrationOptions({
          rpName: 'Twofold',
          rpID: 'auth.example.test',
          userName: 'nobody@example.com',
          authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        });
        await page.register(local);
        const res = await passwordless(await page.authenticate(await passwordlessOptions(t.http)));
        const someone = await registerUser(t.http);
        const wrongPassword = await t.http.post('/api/v1/auth/login', {
          email: someone.email,
          password: 'Wr0ng-Passw0rd!!',
        });
        expect(wrongPassword.status).toBe(401);
        expect(res.status).toBe(401);
        expect(res.headers.get('content-type')).toBe(wrongPassword.headers.get('content-type'));
        expect(withoutRequestId(res.body)).toEqual(withoutRequestId(wrongPassword.body));
        expect(res.body).toEqual(
          expect.objectContaining({ code: 'invalid_credentials', message: 'Invalid email or password' }),
        );
        expect(await authentications('passwordless', 'unknown_credential')).toBe(unknown + 1);
      });

      it('refuses a replayed, expired, foreign-origin or second-factor answer with the wrong-password body', async () => {
        const { user, page } = await userWithPage();
        const assertion = await page.authenticate(await passwordlessOptions(t.http));
        expect((await passwordless(assertion)).status).toBe(200);
        const invalidCredentials = expect.objectContaining({
          statusCode: 401,
          code: 'invalid_credentials',
          message: 'Invalid email or password',
        });

        const replayed = await passwordless(assertion);
        expect(replayed.status).toBe(401);
        expect(replayed.body).toEqual(invalidCredentials);

        const stale = await passwordlessOptions(t.http);
        t.clock.advance(5 * 60_000 + 1_000);
        const late = await passwordless(await page.authenticate(stale));
        expect(late.status).toBe(401);
        expect(late.body).toEqual(invalidCredentials);

        const foreign = await openPage(FOREIGN_ORIGIN);
        await foreign.addCredential((await page.credentials())[0]);
        const elsewhere = await passwordless(await foreign.authenticate(await passwordlessOptions(t.http)));
        expect(elsewhere.status).toBe(401);
        expect(elsewhere.body).toEqual(invalidCredentials);

        // A challenge of a pending second-factor login is not one of this ceremony.
        const { challenge } = await secondFactorOptions(t.http, await passwordStep(t.http, user));
        const crossed = await passwordless(
          await page.authenticate(withChallenge(await passwordlessOptions(t.http), challenge)),
        );
        expect(crossed.status).toBe(401);
        expect(crossed.body).toEqual(invalidCredentials);
        expect(await failures(user.id)).toBe(4);
      });

      it('refuses a cloned authenticator in a passwordless sign-in too, and audits it', async () => {
        const { user, page } = await userWithPage();
        const [snapshot] = await page.credentials();
        const clones = await authentications('passwordless', 'clone_suspected');
        for (let i = 0; i < 2; i++) {
          expect((await passwordless(await page.authenticate(await passwordlessOptions(t.http)))).status).toBe(200);
        }
        await page.replaceCredential(snapshot);
        const res = await passwordless(await page.authenticate(await passwordlessOptions(t.http)));
        expect(res.status).toBe(401);
        expect(res.body).toEqual(expect.objectContaining({ code: 'invalid_credentials' }));
        expect(await storedAuditEvents(t, { userId: user.id, type: 'webauthn.clone_suspected' })).toEqual([
          expect.objectContaining({ details: expect.objectContaining({ flow: 'passwordless' }) }),
        ]);
        expect(await authentications('passwordless', 'clone_suspected')).toBe(clones + 1);
      });

      it('answers the passkey of a deleted account with the wrong-password body', async () => {
        const { user, page } = await userWithPage();
        const deleted = await t.http.request('DELETE', '/api/v1/users/me', {
          token: user.accessToken,
          json: { password: user.password, code: user.backupCodes[0] },
        });
        expect(deleted.status).toBe(204);
        expect(await storedRowsOf(t, 'webauthn_credentials', user.id)).toEqual([]);
        const res = await passwordless(await page.authenticate(await passwordlessOptions(t.http)));
        expect(res.status).toBe(401);
        expect(res.body).toEqual(
          expect.objectContaining({ code: 'invalid_credentials', message: 'Invalid email or password' }),
        );
      });

      it('refuses a passwordless challenge as the second factor of a password login', async () => {
        const { user, page } = await userWithPage();
        const mfaToken = await passwordStep(t.http, user);
        const options = await secondFactorOptions(t.http, mfaToken);
        const { challenge } = await passwordlessOptions(t.http);
        const res = await secondFactor(mfaToken, await page.authenticate(withChallenge(options, challenge)));
        expect(res.status).toBe(401);
        expect(res.body).toEqual(invalidSecondFactor);
        expect(await failures(user.id)).toBe(1);
      });
    });
  });
});
