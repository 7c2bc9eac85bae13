import { makeAdmin } from './factories/admin.factory';
import { authenticator, enroll } from './factories/mfa.factory';
import {
  FOREIGN_ORIGIN,
  passkeyUser,
  passwordStep,
  registerPasskey,
  registrationOptions,
  secondFactorOptions,
  SERVICE_ORIGIN,
} from './factories/passkey.factory';
import { login, registerUser, signedInUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf, storedUser } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { metricValue } from './support/metrics';
import { useBrowserTabs } from './support/passkey-browser';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TestApp } from './support/test-app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('registering and managing passkeys in a real browser', () => {
  let t: TestApp;
  let sink: SmtpSink;

  /** A new tab with its own virtual authenticator, closed after the test. */
  const openPage = useBrowserTabs({
    origin: SERVICE_ORIGIN,
    boot: async () => {
      sink = await SmtpSink.start();
      t = await startTestApp({
        env: { SMTP_URL: sink.url, EMAIL_VERIFICATION: 'off', MAX_FAILED_LOGIN_ATTEMPTS: '5' },
      });
    },
    teardown: async () => {
      await t?.close();
      await sink?.close();
    },
  });

  const verify = (token: string, body: unknown) => t.http.post('/api/v1/webauthn/register/verify', body, { token });
  const list = (token: string) => t.http.get('/api/v1/webauthn/credentials', { token });
  const remove = (token: string, id: string, json: unknown) =>
    t.http.request('DELETE', `/api/v1/webauthn/credentials/${id}`, { token, json });
  const rename = (token: string, id: string, json: unknown) =>
    t.http.request('PATCH', `/api/v1/webauthn/credentials/${id}`, { token, json });
  const status = async (token: string) => (await t.http.get('/api/v1/2fa/status', { token })).body;
  const mailTo = (email: string, subject: RegExp) =>
    sink.waitFor((mail) => mail.to === email && subject.test(mail.subject));

  it('registers a first passkey: ten backup codes shown once, 2FA on, a mail, and no key material anywhere', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const registered = await metricValue(t.http, 'auth_webauthn_registrations_total', { result: 'success' });

    const options = await registrationOptions(t.http, user.accessToken);
    expect(options).toEqual(
      expect.objectContaining({
        rp: expect.objectContaining({ id: 'auth.example.test' }),
        user: expect.objectContaining({ id: Buffer.from(user.id).toString('base64url'), name: user.email }),
        challenge: expect.any(String),
        excludeCredentials: [],
        attestation: 'none',
        authenticatorSelection: expect.objectContaining({ residentKey: 'preferred', userVerification: 'preferred' }),
      }),
    );
    const response = await page.register(options);
    const res = await verify(user.accessToken, { response, name: 'Work laptop' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Work laptop',
      createdAt: t.clock.now().toISOString(),
      lastUsedAt: null,
      backedUp: expect.any(Boolean),
      transports: expect.any(Array),
      backupCodes: expect.arrayContaining([expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)]),
    });
    expect(new Set(res.body.backupCodes).size).toBe(10);

    const { backupCodes, ...passkey } = res.body;
    const listed = await list(user.accessToken);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([passkey]);
    expect(await status(user.accessToken)).toEqual({
      enabled: true,
      enabledAt: t.clock.now().toISOString(),
      totp: false,
      passkeys: 1,
      backupCodesRemaining: 10,
    });

    // The service keeps the public key only; neither it nor the authenticator's private key leaves over HTTP.
    const [stored] = await storedRowsOf(t, 'webauthn_credentials', user.id);
    expect(stored).toEqual(
      expect.objectContaining({ id: passkey.id, credential_id: response.id, name: 'Work laptop' }),
    );
    const [held] = await page.credentials();
    const privateKey = Buffer.from(held.privateKey, 'base64');
    expect((stored.public_key as Buffer).includes(privateKey)).toBe(false);
    const publicKey = stored.public_key as Buffer;
    const exported = await t.http.get('/api/v1/users/me/export', { token: user.accessToken });
    for (const text of [res.text, listed.text, exported.text]) {
      for (const encoding of ['base64', 'base64url', 'hex'] as const) {
        expect(text).not.toContain(publicKey.toString(encoding));
        expect(text).not.toContain(privateKey.toString(encoding));
      }
      expect(text).not.toMatch(/publicKey|counter|privateKey/i);
    }
    expect(exported.body.passkeys).toEqual([passkey]);
    expect(exported.body.twoFactor).toEqual(expect.objectContaining({ enabled: true, totp: false, passkeys: 1 }));
    expect(exported.body.auditEvents).toContainEqual(
      expect.objectContaining({
        type: 'webauthn.registered',
        details: expect.objectContaining({ passkeyId: passkey.id, firstFactor: true }),
      }),
    );

    const mail = await mailTo(user.email, /^A passkey was added to your account/);
    expect(mail.text).toContain('"Work laptop"');
    for (const code of backupCodes) expect(mail.raw).not.toContain(code);
    expect(await metricValue(t.http, 'auth_webauthn_registrations_total', { result: 'success' })).toBe(registered + 1);

    // The codes are real: one of them completes a password login.
    const mfaToken = await passwordStep(t.http, user);
    const backup = await t.http.post('/api/v1/auth/login/2fa', { mfaToken, code: backupCodes[0] });
    expect(backup.status).toBe(200);
  });

  it('excludes a registered authenticator, and a second passkey comes without new backup codes', async () => {
    const [laptop, phone] = await Promise.all([openPage(), openPage()]);
    const user = await passkeyUser(t.http, laptop, 'Laptop');

    const options = await registrationOptions(t.http, user.accessToken);
    expect(options.excludeCredentials).toEqual([expect.objectContaining({ id: user.response.id, type: 'public-key' })]);
    // The browser itself refuses to register the same authenticator again.
    await expect(laptop.register(options)).rejects.toMatchObject({ domName: 'InvalidStateError' });

    t.clock.advance(1_000);
    const second = await registerPasskey(t.http, phone, user.accessToken);
    expect(second.passkey).not.toHaveProperty('backupCodes');
    expect(second.passkey.name).toBe('Passkey');
    expect((await list(user.accessToken)).body.map((passkey: { name: string }) => passkey.name)).toEqual([
      'Laptop',
      'Passkey',
    ]);
    expect(await status(user.accessToken)).toEqual(expect.objectContaining({ passkeys: 2, backupCodesRemaining: 10 }));
    const mail = await mailTo(user.email, /^A passkey was added/);
    expect(mail.text).toContain('"Laptop"');
  });

  it('lets TOTP and passkeys coexist: whichever comes first issues the backup codes', async () => {
    const [first, second] = await Promise.all([openPage(), openPage()]);

    const totpFirst = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, totpFirst.accessToken);
    const added = await registerPasskey(t.http, first, totpFirst.accessToken);
    expect(added.passkey).not.toHaveProperty('backupCodes');
    expect(await status(totpFirst.accessToken)).toEqual(
      expect.objectContaining({ enabled: true, totp: true, passkeys: 1, backupCodesRemaining: 10 }),
    );
    const login1 = await t.http.post('/api/v1/auth/login', { email: totpFirst.email, password: totpFirst.password });
    expect(login1.body.methods).toEqual(['totp', 'webauthn', 'backup_code']);
    const byCode = await t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: login1.body.mfaToken,
      code: enrollment.codeAt(t.clock.now()),
    });
    expect(byCode.status).toBe(200);

    const passkeyFirst = await passkeyUser(t.http, second);
    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token: passkeyFirst.accessToken });
    expect(setup.status).toBe(200);
    const app = authenticator(setup.body.secret);
    const verified = await t.http.post(
      '/api/v1/2fa/verify',
      { code: app.codeAt(t.clock.now()) },
      { token: passkeyFirst.accessToken },
    );
    expect(verified.status).toBe(200);
    expect(verified.body).toEqual({ enabled: true, backupCodes: [] });
    expect(await status(passkeyFirst.accessToken)).toEqual(
      expect.objectContaining({ enabled: true, totp: true, passkeys: 1, backupCodesRemaining: 10 }),
    );
  });

  it('renames a passkey, refusing blank or overlong names and anyone else’s passkey', async () => {
    const [mine, theirs] = await Promise.all([openPage(), openPage()]);
    const user = await passkeyUser(t.http, mine);
    const other = await passkeyUser(t.http, theirs, 'Theirs');
    expect(user.passkey.name).toBe('Passkey');

    const renamed = await rename(user.accessToken, user.passkey.id, { name: '  YubiKey 5C  ' });
    expect(renamed.status).toBe(200);
    const { backupCodes: _codes, ...shown } = user.passkey;
    expect(renamed.body).toEqual({ ...shown, name: 'YubiKey 5C' });
    expect((await list(user.accessToken)).body).toEqual([renamed.body]);

    for (const name of ['', '   ', 'x'.repeat(65), 'two\nlines', 'nul\u0000', 42, null]) {
      expect((await rename(user.accessToken, user.passkey.id, { name })).status).toBe(400);
    }
    expect((await rename(user.accessToken, user.passkey.id, { name: 'ok', extra: true })).status).toBe(400);

    const foreign = await rename(user.accessToken, other.passkey.id, { name: 'Mine now' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('passkey_not_found');
    expect((await list(other.accessToken)).body[0].name).toBe('Theirs');
  });

  it('refuses a malformed verify body with 400 and stores nothing', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const response = await page.register(await registrationOptions(t.http, user.accessToken));
    for (const body of [
      {},
      { response: 'not an object' },
      { response, name: 'ok', admin: true },
      { response: { ...response, extra: 1 } },
      { response, name: '' },
    ]) {
      const res = await verify(user.accessToken, body);
      expect({ body: Object.keys(body), status: res.status }).toEqual({ body: Object.keys(body), status: 400 });
    }
    expect((await list(user.accessToken)).body).toEqual([]);
  });

  it('refuses a registration answering a used, expired, another user’s or a login challenge', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const refusedBefore = await metricValue(t.http, 'auth_webauthn_registrations_total', { result: 'failure' });
    const challengeInvalid = expect.objectContaining({ statusCode: 400, code: 'webauthn_challenge_invalid' });

    // Used: the same answer a second time.
    const options = await registrationOptions(t.http, user.accessToken);
    const response = await page.register(options);
    expect((await verify(user.accessToken, { response })).status).toBe(201);
    const again = await verify(user.accessToken, { response });
    expect(again.status).toBe(400);
    expect(again.body).toEqual(challengeInvalid);

    // Another user's: a challenge issued to someone else.
    const stranger = await signedInUser(t.http);
    const strangerPage = await openPage();
    const strangers = await strangerPage.register(await registrationOptions(t.http, stranger.accessToken));
    const stolen = await verify(user.accessToken, { response: strangers });
    expect(stolen.status).toBe(400);
    expect(stolen.body).toEqual(challengeInvalid);

    // Expired: answered more than 5 minutes after the options.
    const late = await signedInUser(t.http);
    const latePage = await openPage();
    const lateOptions = await registrationOptions(t.http, late.accessToken);
    t.clock.advance(5 * 60_000 + 1_000);
    const expired = await verify(late.accessToken, { response: await latePage.register(lateOptions) });
    expect(expired.status).toBe(400);
    expect(expired.body).toEqual(challengeInvalid);

    // Another ceremony's: the challenge of the user's own pending passkey login.
    const mfaToken = await passwordStep(t.http, user);
    const { challenge } = await secondFactorOptions(t.http, mfaToken);
    const fresh = await openPage();
    const crossed = await verify(user.accessToken, {
      response: await fresh.register({ ...(await registrationOptions(t.http, user.accessToken)), challenge }),
    });
    expect(crossed.status).toBe(400);
    expect(crossed.body).toEqual(challengeInvalid);

    expect((await list(user.accessToken)).body).toHaveLength(1);
    expect((await list(stranger.accessToken)).body).toEqual([]);
    expect((await list(late.accessToken)).body).toEqual([]);
    expect(await metricValue(t.http, 'auth_webauthn_registrations_total', { result: 'failure' })).toBe(
      refusedBefore + 4,
    );
    expect(await storedAuditEvents(t, { userId: user.id, type: 'webauthn.registration_failed' })).toEqual([
      expect.objectContaining({ details: { reason: 'challenge' } }),
      expect.objectContaining({ details: { reason: 'challenge' } }),
      expect.objectContaining({ details: { reason: 'challenge' } }),
    ]);
  });

  it('stores a registration once when the same answer arrives twice at the same time', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const response = await page.register(await registrationOptions(t.http, user.accessToken));
    const answers = await Promise.all([verify(user.accessToken, { response }), verify(user.accessToken, { response })]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400]);
    expect(answers.find((answer) => answer.status === 400)?.body.code).toBe('webauthn_challenge_invalid');
    expect(answers.find((answer) => answer.status === 201)?.body.backupCodes).toHaveLength(10);
    expect(await storedRowsOf(t, 'webauthn_credentials', user.id)).toHaveLength(1);
    expect(await status(user.accessToken)).toEqual(expect.objectContaining({ passkeys: 1, backupCodesRemaining: 10 }));
  });

  it('refuses a passkey the browser made on another origin, or for another RP ID, with 400', async () => {
    // The browser lets a subdomain use the RP ID auth.example.test; the service accepts only its own origin.
    const foreign = await openPage(FOREIGN_ORIGIN);
    const user = await signedInUser(t.http);
    const options = await registrationOptions(t.http, user.accessToken);
    const response = await foreign.register(options);
    expect(JSON.parse(Buffer.from(response.response.clientDataJSON, 'base64url').toString()).origin).toBe(
      FOREIGN_ORIGIN,
    );
    const res = await verify(user.accessToken, { response });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 400, code: 'webauthn_verification_failed' }));

    // The right origin, but a passkey scoped to the parent domain (RP ID example.test).
    const page = await openPage();
    const parent = await registrationOptions(t.http, user.accessToken);
    const scoped = await page.register({ ...parent, rp: { ...parent.rp, id: 'example.test' } });
    const wrongRp = await verify(user.accessToken, { response: scoped });
    expect(wrongRp.status).toBe(400);
    expect(wrongRp.body.code).toBe('webauthn_verification_failed');

    expect((await list(user.accessToken)).body).toEqual([]);
    expect(await status(user.accessToken)).toEqual(expect.objectContaining({ enabled: false, passkeys: 0 }));
    expect(await storedAuditEvents(t, { userId: user.id, type: 'webauthn.registration_failed' })).toEqual([
      expect.objectContaining({ details: { reason: 'origin' } }),
      expect.objectContaining({ details: { reason: 'rp_id' } }),
    ]);
  });

  it('asks for a recent sign-in before registering', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const options = await registrationOptions(t.http, user.accessToken);
    const response = await page.register(options);
    t.clock.advanceMinutes(11);
    const refresh = await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(refresh.status).toBe(200);
    for (const res of [
      await t.http.post('/api/v1/webauthn/register/options', undefined, { token: refresh.body.accessToken }),
      await verify(refresh.body.accessToken, { response }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('reauthentication_required');
    }
    expect((await list(refresh.body.accessToken)).body).toEqual([]);
  });

  it('lets a user whom MFA_ENROLLMENT=required holds at enrollment enroll with a passkey', async () => {
    const page = await openPage();
    const strict = await startTestApp({ env: { MFA_ENROLLMENT: 'required' } });
    try {
      const user = await registerUser(strict.http);
      const first = await strict.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(first.body.mfaEnrollment).toBe('required');
      const token = first.body.accessToken as string;
      expect(claimsOf(token).scope).toBe('mfa_enrollment');

      const { passkey } = await registerPasskey(strict.http, page, token);
      expect(passkey.backupCodes).toHaveLength(10);
      const refreshed = await strict.http.post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
      expect(claimsOf(refreshed.body.accessToken).scope).toBe('full');
      expect((await strict.http.get('/api/v1/sessions', { token: refreshed.body.accessToken })).status).toBe(200);
      const again = await strict.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(again.body).toEqual(
        expect.objectContaining({ status: 'mfa_required', methods: ['webauthn', 'backup_code'] }),
      );
    } finally {
      await strict.close();
    }
  });

  it('removes a passkey with the password and a current code, audits it and mails the user', async () => {
    const page = await openPage();
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    const { passkey } = await registerPasskey(t.http, page, user.accessToken, 'Old phone');

    const noCode = await remove(user.accessToken, passkey.id, { password: user.password });
    expect(noCode.status).toBe(400);
    expect(noCode.body.code).toBe('mfa_invalid_code');
    const wrongPassword = await remove(user.accessToken, passkey.id, {
      password: 'Not-the-passw0rd!',
      code: enrollment.codeAt(t.clock.now()),
    });
    expect(wrongPassword.status).toBe(403);
    expect(wrongPassword.body.code).toBe('current_password_wrong');
    expect(await storedUser(t, user.id)).toEqual(expect.objectContaining({ failed_login_attempts: 1 }));
    expect((await list(user.accessToken)).body).toHaveLength(1);

    const res = await remove(user.accessToken, passkey.id, {
      password: user.password,
      code: enrollment.codeAt(t.clock.now()),
    });
    expect(res.status).toBe(204);
    expect((await list(user.accessToken)).body).toEqual([]);
    expect(await storedRowsOf(t, 'webauthn_credentials', user.id)).toEqual([]);
    expect(await status(user.accessToken)).toEqual(expect.objectContaining({ enabled: true, totp: true, passkeys: 0 }));
    const mail = await mailTo(user.email, /^A passkey was removed from your account/);
    expect(mail.text).toContain('"Old phone"');
    expect(await storedAuditEvents(t, { userId: user.id, type: 'webauthn.removed' })).toEqual([
      expect.objectContaining({ details: { passkeyId: passkey.id } }),
    ]);
    const pending = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(pending.body.methods).toEqual(['totp', 'backup_code']);
  });

  it('keeps the last second factor, removes one of two passkeys with a backup code, and 404s anyone else’s', async () => {
    const [first, second, theirs] = await Promise.all([openPage(), openPage(), openPage()]);
    const user = await passkeyUser(t.http, first);
    // One backup code throughout: refused removals must leave it unused.
    const proof = { password: user.password, code: user.backupCodes[0] };

    const last = await remove(user.accessToken, user.passkey.id, proof);
    expect(last.status).toBe(409);
    expect(last.body.code).toBe('last_second_factor');
    expect((await list(user.accessToken)).body).toHaveLength(1);

    const other = await passkeyUser(t.http, theirs);
    const foreign = await remove(user.accessToken, other.passkey.id, proof);
    expect(foreign.status).toBe(404);
    expect(foreign.body.code).toBe('passkey_not_found');
    expect((await list(other.accessToken)).body).toHaveLength(1);
    // A removal refused for what it names costs nothing: the backup code shown as proof is still unused.
    expect((await status(user.accessToken)).backupCodesRemaining).toBe(10);

    const spare = await registerPasskey(t.http, second, user.accessToken, 'Spare');
    for (const code of ['000000', 'AAAA-BBBB-CCCC']) {
      const wrong = await remove(user.accessToken, user.passkey.id, { password: user.password, code });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('mfa_invalid_code');
    }
    expect((await remove(user.accessToken, user.passkey.id, proof)).status).toBe(204);
    expect((await list(user.accessToken)).body.map((passkey: { id: string }) => passkey.id)).toEqual([
      spare.passkey.id,
    ]);
    expect(await status(user.accessToken)).toEqual(expect.objectContaining({ enabled: true, passkeys: 1 }));
  });

  it('removes every passkey when 2FA is turned off, and password login needs no second factor again', async () => {
    const [first, second] = await Promise.all([openPage(), openPage()]);
    const user = await passkeyUser(t.http, first);
    await registerPasskey(t.http, second, user.accessToken);
    const users = await metricValue(t.http, 'auth_webauthn_users');

    const res = await t.http.post(
      '/api/v1/2fa/disable',
      { password: user.password, code: user.backupCodes[0] },
      { token: user.accessToken },
    );
    expect(res.status).toBe(204);
    expect(await status(user.accessToken)).toEqual({
      enabled: false,
      enabledAt: null,
      totp: false,
      passkeys: 0,
      backupCodesRemaining: 0,
    });
    expect((await list(user.accessToken)).body).toEqual([]);
    expect(await storedRowsOf(t, 'webauthn_credentials', user.id)).toEqual([]);
    expect(await metricValue(t.http, 'auth_webauthn_users')).toBe(users - 1);
    expect(((await login(t.http, user)) as unknown as { status: string }).status).toBe('authenticated');
  });

  it('removes the passkeys on an admin 2FA reset, and counts adoption in the admin stats', async () => {
    const page = await openPage();
    const admin = await makeAdmin(t);
    const user = await passkeyUser(t.http, page);
    const before = await t.http.get('/api/v1/admin/stats', { token: admin.aal2 });
    expect(before.status).toBe(200);
    expect(before.body).toEqual(
      expect.objectContaining({ passkeyUsers: expect.any(Number), passkeyAdoptionRate: expect.any(Number) }),
    );
    expect(before.body.passkeyUsers).toBe(await metricValue(t.http, 'auth_webauthn_users'));
    expect(before.body.passkeyAdoptionRate).toBe(
      Math.round((before.body.passkeyUsers / before.body.users) * 10_000) / 10_000,
    );

    const reset = await t.http.post(
      `/api/v1/admin/users/${user.id}/2fa/disable`,
      { reason: 'lost phone and codes' },
      { token: admin.aal2 },
    );
    expect(reset.status).toBe(204);
    expect(await storedRowsOf(t, 'webauthn_credentials', user.id)).toEqual([]);
    const after = await t.http.get('/api/v1/admin/stats', { token: admin.aal2 });
    expect(after.body.passkeyUsers).toBe(before.body.passkeyUsers - 1);
    expect(((await login(t.http, user)) as unknown as { status: string }).status).toBe('authenticated');
  });
});
