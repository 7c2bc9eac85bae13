import { randomBytes } from 'node:crypto';
import { Mail } from '../src/mail/mail';
import { MailService } from '../src/mail/mail.service';
import { Admin, makeAdmin } from './factories/admin.factory';
import {
  accessTokenOf,
  cookiesOf,
  DEVICE_USER_AGENT,
  deviceTokenOf,
  EnrolledUser,
  enrolledUser,
  freshCode,
  passwordLogin,
  rememberDevice,
  RememberedDevice,
  secondStep,
  setTrustedDevicesFlag,
  userWithDevice,
} from './factories/device.factory';
import { enroll } from './factories/mfa.factory';
import { passwordStep, registrationOptions, secondFactorOptions, SERVICE_ORIGIN } from './factories/passkey.factory';
import { login, registerUser, signedInUser, TestUser } from './factories/user.factory';
import { storedAuditEvents } from './support/db-inspect';
import { HttpResponse } from './support/http-client';
import { claimsOf } from './support/jwt';
import { ReceivedMail, SmtpSink } from './support/smtp-sink';
import { SoftAuthenticator } from './support/soft-authenticator';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;
const WRONG_PASSWORD = 'Wrong-Passw0rd-99!';

interface DeviceView {
  id: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

const isNewDeviceMail = (mail: Pick<Mail, 'subject'>) =>
  /new (device|browser|sign-in)|signed in from/i.test(mail.subject);
const isLockoutMail = (mail: Pick<Mail, 'subject'>) => /locked/i.test(mail.subject);

/** The mails the app queued while `work` ran (queued, not delivered: what it decided to tell the user). */
async function mailsQueuedDuring(t: TestApp, work: () => Promise<unknown>): Promise<Mail[]> {
  const send = jest.spyOn(t.app.get(MailService), 'send');
  try {
    await work();
    return send.mock.calls.map(([mail]) => mail);
  } finally {
    send.mockRestore();
  }
}

function expectSkippedSecondFactor(res: HttpResponse, cookieMode = false): void {
  expect({ status: res.status, body: res.body.status }).toEqual({ status: 200, body: 'authenticated' });
  expect(claimsOf(accessTokenOf(res, cookieMode))).toEqual(
    expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'device'] }),
  );
}

function expectMfaRequired(res: HttpResponse): void {
  expect({ status: res.status, body: res.body.status }).toEqual({ status: 200, body: 'mfa_required' });
  expect(res.body.mfaToken).toEqual(expect.any(String));
  expect(res.body.accessToken).toBeUndefined();
  expect(res.body.deviceToken).toBeUndefined();
}

describe('trusted devices', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let admin: Admin;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      env: {
        SMTP_URL: sink.url,
        TRUSTED_DEVICE_DAYS: '30',
        MAX_FAILED_LOGIN_ATTEMPTS: '3',
        ACCOUNT_LOCKOUT_DURATION_MINUTES: '30',
        COOKIE_SECURE: 'true',
        COOKIE_SAMESITE: 'lax',
        // Users here hold more sessions than the default 2 (each remembering and each use opens one).
        MAX_CONCURRENT_SESSIONS: '20',
      },
    });
    admin = await makeAdmin(t);
    await setTrustedDevicesFlag(t, admin);
  });

  afterAll(async () => {
    await t.close();
    await sink.close();
  });

  /** An aal2 (otp) admin token now: tests move the clock past the 15 minutes an access token lives. */
  async function adminToken(): Promise<string> {
    const pending = await passwordLogin(t.http, admin);
    const res = await secondStep(t.http, pending.body.mfaToken, freshCode(t, admin.enrollment));
    return accessTokenOf(res);
  }

  /** A sign-in with a TOTP code and no device remembered: a session to look at devices from. */
  async function otpSession(user: Pick<EnrolledUser, 'email' | 'password' | 'codeAt'>): Promise<string> {
    const pending = await passwordLogin(t.http, user);
    return accessTokenOf(await secondStep(t.http, pending.body.mfaToken, freshCode(t, user)));
  }

  async function devicesOf(token: string): Promise<DeviceView[]> {
    const res = await t.http.get('/api/v1/devices', { token });
    expect(res.status).toBe(200);
    return res.body as DeviceView[];
  }

  describe('remembering a device and signing in with it', () => {
    it('issues a device token for rememberDevice on the TOTP step, which then stands in for the code', async () => {
      const user = await enrolledUser(t);
      const pending = await passwordLogin(t.http, user);
      const remembered = await secondStep(t.http, pending.body.mfaToken, freshCode(t, user), { rememberDevice: true });
      expect(remembered.status).toBe(200);
      expect(remembered.body).toEqual(
        expect.objectContaining({ status: 'authenticated', deviceToken: expect.any(String) }),
      );
      expect(claimsOf(remembered.body.accessToken)).toEqual(
        expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'] }),
      );
      const deviceToken = remembered.body.deviceToken as string;
      expect(deviceToken.length).toBeGreaterThanOrEqual(32);

      const res = await passwordLogin(t.http, user, { deviceToken });
      expect(res.body).toEqual({
        status: 'authenticated',
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: 900,
        sessionId: expect.any(String),
        mfaEnrollment: expect.any(String),
        deviceToken: expect.any(String),
      });
      expectSkippedSecondFactor(res);
      expect(claimsOf(res.body.accessToken)).toEqual(
        expect.objectContaining({ sub: user.id, sid: res.body.sessionId }),
      );
      expect(res.body.deviceToken).not.toBe(deviceToken);
      const me = await t.http.get('/api/v1/auth/me', { token: res.body.accessToken });
      expect(me.body.session).toEqual({ id: res.body.sessionId, aal: 'aal2', scope: 'full' });
    });

    it('issues no device token without rememberDevice, or with rememberDevice false', async () => {
      const user = await enrolledUser(t);
      for (const rememberDevice of [undefined, false]) {
        const pending = await passwordLogin(t.http, user);
        const res = await secondStep(t.http, pending.body.mfaToken, freshCode(t, user), { rememberDevice });
        expect(res.status).toBe(200);
        expect(res.body.deviceToken).toBeUndefined();
        expect(cookiesOf(res).device_token).toBeUndefined();
      }
      expect(await devicesOf(await otpSession(user))).toEqual([]);
    });

    it('remembers the device on the passkey step too', async () => {
      const user = await signedInUser(t.http);
      const passkey = new SoftAuthenticator(new URL(SERVICE_ORIGIN).hostname, SERVICE_ORIGIN);
      const options = await registrationOptions(t.http, user.accessToken);
      const registered = await t.http.post(
        '/api/v1/webauthn/register/verify',
        { response: passkey.register(options.challenge) },
        { token: user.accessToken },
      );
      expect(registered.status).toBe(201);

      const mfaToken = await passwordStep(t.http, user);
      const request = await secondFactorOptions(t.http, mfaToken);
      const res = await t.http.post('/api/v1/auth/login/webauthn', {
        mfaToken,
        response: passkey.authenticate(request.challenge),
        rememberDevice: true,
      });
      expect(res.status).toBe(200);
      expect(claimsOf(res.body.accessToken)).toEqual(expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'hwk'] }));
      expect(res.body.deviceToken).toEqual(expect.any(String));
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: res.body.deviceToken }));
    });

    it('rotates the token on every use: each successor works, and it stays one device', async () => {
      const user = await userWithDevice(t);
      let token = user.deviceToken;
      const seen = new Set([token]);
      for (let use = 0; use < 3; use++) {
        t.clock.advance(60_000);
        const res = await passwordLogin(t.http, user, { deviceToken: token });
        expectSkippedSecondFactor(res);
        token = res.body.deviceToken as string;
        expect(seen.has(token)).toBe(false);
        seen.add(token);
      }
      const devices = await devicesOf(await otpSession(user));
      expect(devices).toHaveLength(1);
      expect(Date.parse(devices[0].lastUsedAt ?? '')).toBeGreaterThanOrEqual(t.clock.now().getTime() - 60_000);
    });

    it('ends the device when a rotated token comes back: both it and its successor stop working', async () => {
      const user = await userWithDevice(t);
      const first = await passwordLogin(t.http, user, { deviceToken: user.deviceToken });
      expectSkippedSecondFactor(first);
      const successor = first.body.deviceToken as string;

      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: successor }));
      expect(await devicesOf(await otpSession(user))).toEqual([]);
      const [reuse] = await storedAuditEvents(t, { userId: user.id, type: 'device.reuse_detected' });
      expect(reuse).toBeDefined();
      expect(JSON.stringify(reuse)).not.toContain(user.deviceToken);
    });

    it('lets only one of two simultaneous sign-ins with the same token through to a successor', async () => {
      const user = await userWithDevice(t);
      const answers = await Promise.all([
        passwordLogin(t.http, user, { deviceToken: user.deviceToken }),
        passwordLogin(t.http, user, { deviceToken: user.deviceToken }),
      ]);
      const through = answers.filter((res) => res.status === 200 && res.body.status === 'authenticated');
      expect(through).toHaveLength(1);
      expect(answers.filter((res) => res.body.deviceToken !== undefined)).toHaveLength(1);
      const other = answers.find((res) => res !== through[0]);
      expect(other?.status).not.toBe(500);
    });

    it('ignores an unknown token and one of another user: the login asks for the second factor', async () => {
      const user = await enrolledUser(t);
      const other = await userWithDevice(t);
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: randomBytes(32).toString('base64url') }));
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: other.deviceToken }));
      // Ignored means ignored: the other user's device is still remembered.
      expectSkippedSecondFactor(await passwordLogin(t.http, other, { deviceToken: other.deviceToken }));
    });

    it('answers a wrong password with a device token like any wrong password, and keeps the device', async () => {
      const user = await userWithDevice(t);
      const res = await passwordLogin(
        t.http,
        { email: user.email, password: WRONG_PASSWORD },
        { deviceToken: user.deviceToken },
      );
      expect(res.status).toBe(401);
      expect(res.body).toEqual(expect.objectContaining({ code: 'invalid_credentials' }));
      expect(res.body.deviceToken).toBeUndefined();
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
    });

    it('stops skipping the second factor 30 days after the device was remembered', async () => {
      const user = await enrolledUser(t);
      const early = await rememberDevice(t, user);
      const late = await rememberDevice(t, user);
      const [listed] = (await devicesOf(late.accessToken)).filter((device) => device.current);
      expect(Date.parse(listed.expiresAt) - Date.parse(listed.createdAt)).toBe(30 * DAY);

      t.clock.advance(29 * DAY);
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: early.deviceToken }));
      t.clock.advance(2 * DAY);
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: late.deviceToken }));
      const devices = await devicesOf(await otpSession(user));
      expect(devices.map((device) => device.id)).not.toContain(listed.id);
    });

    it('keeps only a hash of the token, and no token in the audit trail', async () => {
      const user = await userWithDevice(t);
      const used = await passwordLogin(t.http, user, { deviceToken: user.deviceToken });
      const rows = await t.dataSource.query(`SELECT * FROM trusted_devices WHERE user_id = $1`, [user.id]);
      expect(rows).toHaveLength(1);
      const stored = JSON.stringify(rows);
      expect(stored).not.toContain(user.deviceToken);
      expect(stored).not.toContain(used.body.deviceToken);

      const events = await storedAuditEvents(t, { userId: user.id });
      const types = events.map((event) => event.type);
      expect(types).toEqual(expect.arrayContaining(['device.remembered', 'device.used']));
      expect(JSON.stringify(events)).not.toContain(user.deviceToken);
      expect(JSON.stringify(events)).not.toContain(used.body.deviceToken);
    });
  });

  describe('in cookie mode', () => {
    it('sets device_token as an HttpOnly, Secure, SameSite=Lax cookie on /api/v1/auth for 30 days', async () => {
      const user = await enrolledUser(t);
      const { res } = await rememberDevice(t, user, { cookieMode: true });
      expect(res.body.deviceToken).toBeUndefined();
      expect(res.body.accessToken).toBeUndefined();
      const cookie = cookiesOf(res).device_token;
      expect(cookie.value).not.toBe('');
      expect(cookie.attributes).toEqual(
        expect.objectContaining({ httponly: '', secure: '', path: '/api/v1/auth', 'max-age': String(30 * 86_400) }),
      );
      expect(cookie.attributes.samesite?.toLowerCase()).toBe('lax');
    });

    it('signs in with the cookie, rotates it, and ends the device when the old cookie comes back', async () => {
      const user = await enrolledUser(t);
      const { deviceToken } = await rememberDevice(t, user, { cookieMode: true });
      const res = await passwordLogin(t.http, user, { deviceToken, cookieMode: true });
      expectSkippedSecondFactor(res, true);
      expect(res.body.deviceToken).toBeUndefined();
      const rotated = cookiesOf(res).device_token;
      expect(rotated.value).not.toBe(deviceToken);
      expect(rotated.attributes).toEqual(expect.objectContaining({ httponly: '', path: '/api/v1/auth' }));

      const second = await passwordLogin(t.http, user, { deviceToken: rotated.value, cookieMode: true });
      expectSkippedSecondFactor(second, true);
      const latest = cookiesOf(second).device_token.value;
      const replay = await passwordLogin(t.http, user, { deviceToken, cookieMode: true });
      expect(replay.body.status).toBe('mfa_required');
      expect(cookiesOf(replay).access_token).toBeUndefined();
      expect((await passwordLogin(t.http, user, { deviceToken: latest, cookieMode: true })).body.status).toBe(
        'mfa_required',
      );
      const [reuse] = await storedAuditEvents(t, { userId: user.id, type: 'device.reuse_detected' });
      expect(reuse).toBeDefined();
    });
  });

  describe('admin routes', () => {
    it('refuses them to a sign-in whose second factor was a remembered device, also after a refresh', async () => {
      const other = await makeAdmin(t);
      const remembered = await rememberDevice(t, { ...other, codeAt: other.enrollment.codeAt });
      expect((await t.http.get('/api/v1/admin/stats', { token: remembered.accessToken })).status).toBe(200);

      const viaDevice = await passwordLogin(t.http, other, { deviceToken: remembered.deviceToken });
      expectSkippedSecondFactor(viaDevice);
      expect((await t.http.get('/api/v1/admin/stats', { token: viaDevice.body.accessToken })).status).toBe(403);
      expect((await t.http.get('/api/v1/devices', { token: viaDevice.body.accessToken })).status).toBe(200);

      const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: viaDevice.body.refreshToken });
      expect(refreshed.status).toBe(200);
      expect(claimsOf(refreshed.body.accessToken).amr).toEqual(['pwd', 'device']);
      expect((await t.http.get('/api/v1/admin/stats', { token: refreshed.body.accessToken })).status).toBe(403);
    });
  });

  describe('the device list', () => {
    it('lists the own active devices, marking the one this session signed in with or was remembered from', async () => {
      const user = await enrolledUser(t);
      const laptop = await rememberDevice(t, user, { userAgent: `${DEVICE_USER_AGENT} laptop` });
      const phone = await rememberDevice(t, user, { userAgent: `${DEVICE_USER_AGENT} phone` });
      await userWithDevice(t);

      const fromLaptop = await devicesOf(laptop.accessToken);
      expect(fromLaptop).toHaveLength(2);
      for (const device of fromLaptop) {
        expect(device).toEqual({
          id: expect.any(String),
          createdAt: expect.any(String),
          lastUsedAt: device.lastUsedAt === null ? null : expect.any(String),
          expiresAt: expect.any(String),
          userAgent: expect.stringContaining(DEVICE_USER_AGENT),
          ip: expect.stringContaining('127.0.0.1'),
          current: expect.any(Boolean),
        });
      }
      const laptopId = fromLaptop.find((device) => device.userAgent?.endsWith('laptop'))?.id;
      expect(fromLaptop.filter((device) => device.current).map((device) => device.id)).toEqual([laptopId]);

      t.clock.advance(60_000);
      const viaPhone = await passwordLogin(t.http, user, {
        deviceToken: phone.deviceToken,
        userAgent: `${DEVICE_USER_AGENT} phone`,
      });
      const fromPhone = await devicesOf(accessTokenOf(viaPhone));
      const current = fromPhone.filter((device) => device.current);
      expect(current).toHaveLength(1);
      expect(current[0].userAgent).toMatch(/phone$/);
      expect(current[0].lastUsedAt).toBe(t.clock.now().toISOString());
      expect((await devicesOf(await otpSession(user))).every((device) => !device.current)).toBe(true);
    });

    it('still marks the device current for the session it was remembered from after the device signs in again', async () => {
      const user = await userWithDevice(t);
      const again = await passwordLogin(t.http, user, { deviceToken: user.deviceToken });
      expectSkippedSecondFactor(again);
      const [fromLatest] = await devicesOf(accessTokenOf(again));
      expect(fromLatest.current).toBe(true);
      // Both sessions are on the same browser: the one that remembered it and the one it signed in.
      expect(await devicesOf(user.accessToken)).toEqual([{ ...fromLatest, current: true }]);
    });

    it('ends one device with DELETE /devices/:id, and answers 404 for anyone else’s and 400 for a malformed id', async () => {
      const user = await enrolledUser(t);
      const kept = await rememberDevice(t, user);
      const ended = await rememberDevice(t, user);
      const other = await userWithDevice(t);
      const [othersDevice] = await devicesOf(other.accessToken);
      const [endedDevice] = (await devicesOf(ended.accessToken)).filter((device) => device.current);

      const as = { token: kept.accessToken };
      expect((await t.http.delete(`/api/v1/devices/${othersDevice.id}`, as)).status).toBe(404);
      expect((await t.http.delete('/api/v1/devices/00000000-0000-4000-8000-000000000000', as)).status).toBe(404);
      expect((await t.http.delete('/api/v1/devices/not-a-uuid', as)).status).toBe(400);
      expect((await t.http.delete(`/api/v1/devices/${endedDevice.id}`, as)).status).toBe(204);
      expect((await t.http.delete(`/api/v1/devices/${endedDevice.id}`, as)).status).toBe(404);

      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: ended.deviceToken }));
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: kept.deviceToken }));
      expectSkippedSecondFactor(await passwordLogin(t.http, other, { deviceToken: other.deviceToken }));
      expect((await devicesOf(kept.accessToken)).map((device) => device.id)).not.toContain(endedDevice.id);
      const [event] = await storedAuditEvents(t, { userId: user.id, type: 'device.ended' });
      expect(event.details).toEqual(expect.objectContaining({ reason: expect.any(String) }));
    });

    it('ends every device of the user with DELETE /devices', async () => {
      const user = await enrolledUser(t);
      const first = await rememberDevice(t, user);
      const second = await rememberDevice(t, user, { cookieMode: true });
      expect((await t.http.delete('/api/v1/devices', { token: first.accessToken })).status).toBe(204);
      expect(await devicesOf(first.accessToken)).toEqual([]);
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: first.deviceToken }));
      expect(
        (await passwordLogin(t.http, user, { deviceToken: second.deviceToken, cookieMode: true })).body.status,
      ).toBe('mfa_required');
    });
  });

  describe('account changes that end all devices', () => {
    it('ends them on a password change', async () => {
      const user = await userWithDevice(t);
      const newPassword = 'Changed-Passw0rd-2026!';
      const res = await t.http.post(
        '/api/v1/auth/password/change',
        { currentPassword: user.password, newPassword },
        { token: user.accessToken },
      );
      expect(res.status).toBe(204);
      expectMfaRequired(
        await passwordLogin(t.http, { ...user, password: newPassword }, { deviceToken: user.deviceToken }),
      );
      expect(await devicesOf(user.accessToken)).toEqual([]);
      const [event] = await storedAuditEvents(t, { userId: user.id, type: 'device.ended' });
      expect(event.details).toEqual(expect.objectContaining({ reason: expect.any(String) }));
    });

    it('ends them on a password reset', async () => {
      const user = await userWithDevice(t);
      expect((await t.http.post('/api/v1/auth/password/forgot', { email: user.email })).status).toBe(202);
      const mail = await sink.waitFor((received) => received.to === user.email && /reset/i.test(received.subject));
      const token = /token=([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
      const newPassword = 'Reset-Passw0rd-2026!';
      expect((await t.http.post('/api/v1/auth/password/reset', { token, newPassword })).status).toBe(204);
      expectMfaRequired(
        await passwordLogin(t.http, { ...user, password: newPassword }, { deviceToken: user.deviceToken }),
      );
      expect(await devicesOf(await otpSession({ ...user, password: newPassword }))).toEqual([]);
    });

    it('ends them when the user turns 2FA off: turned on again, the old token no longer skips it', async () => {
      const user = await userWithDevice(t);
      const res = await t.http.post(
        '/api/v1/2fa/disable',
        { password: user.password, code: freshCode(t, user) },
        { token: user.accessToken },
      );
      expect(res.status).toBe(204);
      expect(await devicesOf(user.accessToken)).toEqual([]);
      const fresh = await login(t.http, user);
      const again = await enroll(t.http, t.clock, fresh.accessToken);
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
      expect(await devicesOf(await otpSession({ ...user, codeAt: again.codeAt }))).toEqual([]);
    });

    it('ends them on the admin 2FA reset', async () => {
      const user = await userWithDevice(t);
      const reset = await t.http.post(
        `/api/v1/admin/users/${user.id}/2fa/disable`,
        { reason: 'Lost phone; identity checked' },
        { token: await adminToken() },
      );
      expect(reset.status).toBe(204);
      const fresh = await login(t.http, user);
      expect(await devicesOf(fresh.accessToken)).toEqual([]);
      await enroll(t.http, t.clock, fresh.accessToken);
      expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
    });
  });

  describe('own data and the admin view', () => {
    it('includes the devices in the export and in the admin user detail, without their tokens', async () => {
      const user = await userWithDevice(t);
      const [device] = await devicesOf(user.accessToken);

      const exported = await t.http.get('/api/v1/users/me/export', { token: user.accessToken });
      expect(exported.status).toBe(200);
      expect(exported.body.devices).toEqual([expect.objectContaining({ id: device.id, createdAt: device.createdAt })]);
      expect(exported.text).not.toContain(user.deviceToken);

      const detail = await t.http.get(`/api/v1/admin/users/${user.id}`, { token: await adminToken() });
      expect(detail.status).toBe(200);
      expect(detail.body.devices).toEqual([expect.objectContaining({ id: device.id })]);
      expect(detail.text).not.toContain(user.deviceToken);
    });
  });

  describe('lockout by device', () => {
    const wrong = (user: TestUser, deviceToken?: string) =>
      passwordLogin(t.http, { email: user.email, password: WRONG_PASSWORD }, { deviceToken });

    async function lockNewDevices(user: TestUser, deviceToken?: string): Promise<HttpResponse> {
      expect((await wrong(user, deviceToken)).status).toBe(401);
      expect((await wrong(user, deviceToken)).status).toBe(401);
      return wrong(user, deviceToken);
    }

    const lockoutMailOf = (user: TestUser): Promise<ReceivedMail> =>
      sink.waitFor((mail) => mail.to === user.email && isLockoutMail(mail));

    it('locks new devices out after wrong passwords without a token, while the owner’s device still signs in', async () => {
      const user = await userWithDevice(t);
      const third = await lockNewDevices(user);
      expect(third.status).toBe(423);
      expect(third.body.code).toBe('account_locked');
      expect(Date.parse(third.body.lockedUntil) - t.clock.now().getTime()).toBe(30 * 60_000);

      const stranger = await passwordLogin(t.http, user);
      expect(stranger.status).toBe(423);
      expect(stranger.body).toEqual(
        expect.objectContaining({ code: 'account_locked', lockedUntil: expect.any(String) }),
      );
      const owner = await passwordLogin(t.http, user, { deviceToken: user.deviceToken });
      expectSkippedSecondFactor(owner);

      const mail = await lockoutMailOf(user);
      // Which lock: new devices; and that the remembered ones still sign in.
      expect(mail.text).toMatch(/new (devices|browsers)/i);
      expect(mail.text).toMatch(/remember/i);

      t.clock.advanceMinutes(31);
      expectMfaRequired(await passwordLogin(t.http, user));
    });

    it('counts a token of another account on the unknown-device counter', async () => {
      const victim = await userWithDevice(t);
      const stranger = await userWithDevice(t);
      expect((await lockNewDevices(victim, stranger.deviceToken)).status).toBe(423);
      expect((await passwordLogin(t.http, victim)).status).toBe(423);
      expectSkippedSecondFactor(await passwordLogin(t.http, victim, { deviceToken: victim.deviceToken }));
    });

    it('locks only the device that sent the wrong passwords with its token, until the lock lapses', async () => {
      const user = await userWithDevice(t);
      const otherDevice = await rememberDevice(t, user);
      const third = await lockNewDevices(user, user.deviceToken);
      expect(third.status).toBe(423);
      expect(third.body.lockedUntil).toEqual(expect.any(String));

      const locked = await passwordLogin(t.http, user, { deviceToken: user.deviceToken });
      expect(locked.status).toBe(423);
      expect(locked.body.lockedUntil).toEqual(expect.any(String));
      expectMfaRequired(await passwordLogin(t.http, user));
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: otherDevice.deviceToken }));

      const mail = await lockoutMailOf(user);
      // Which lock: this one remembered device, not the account; the user's other devices still sign in.
      expect(`${mail.subject}\n${mail.text}`).toMatch(/(this|one of your remembered|a remembered) (device|browser)/i);
      expect(mail.text).not.toMatch(/for new devices/i);
      expect(mail.text).toMatch(/other (remembered )?devices/i);
      const [event] = await storedAuditEvents(t, { userId: user.id, type: 'device.locked' });
      expect(event).toBeDefined();

      t.clock.advanceMinutes(31);
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
    });

    it('clears both counters on an admin unlock', async () => {
      const user = await userWithDevice(t);
      expect((await lockNewDevices(user)).status).toBe(423);
      expect((await lockNewDevices(user, user.deviceToken)).status).toBe(423);
      expect((await passwordLogin(t.http, user)).status).toBe(423);
      expect((await passwordLogin(t.http, user, { deviceToken: user.deviceToken })).status).toBe(423);

      const unlock = await t.http.post(`/api/v1/admin/users/${user.id}/unlock`, undefined, {
        token: await adminToken(),
      });
      expect(unlock.status).toBe(204);
      expectMfaRequired(await passwordLogin(t.http, user));
      expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: user.deviceToken }));
    });
  });

  describe('new-device mail', () => {
    it('tells the user about a sign-in from a device without a token: when, from which IP and browser', async () => {
      const user = await registerUser(t.http);
      const at = t.clock.now();
      expect((await passwordLogin(t.http, user)).body.status).toBe('authenticated');
      const mail = await sink.waitFor((received) => received.to === user.email && isNewDeviceMail(received));
      expect(mail.text).toContain(at.toISOString().replace('T', ' ').slice(0, 16));
      expect(mail.text).toContain('127.0.0.1');
      expect(mail.text).toContain(DEVICE_USER_AGENT);
    });

    it('sends none for a sign-in with a valid device token, and one for a 2FA sign-in without it', async () => {
      const user = await userWithDevice(t);
      const withToken = await mailsQueuedDuring(t, async () =>
        expectSkippedSecondFactor(await passwordLogin(t.http, user, { deviceToken: user.deviceToken })),
      );
      expect(withToken.filter(isNewDeviceMail)).toEqual([]);

      const withoutToken = await mailsQueuedDuring(t, () => otpSession(user));
      expect(withoutToken.filter(isNewDeviceMail).map((mail) => mail.to)).toEqual([user.email]);
    });
  });
});

describe('trusted devices while the trusted_devices flag does not reach the user', () => {
  let t: TestApp;
  let admin: Admin;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUSTED_DEVICE_DAYS: '30' } });
    admin = await makeAdmin(t);
  });

  afterAll(async () => {
    await t.close();
  });

  async function remember(user: EnrolledUser, cookieMode = false): Promise<HttpResponse> {
    const pending = await passwordLogin(t.http, user);
    const res = await secondStep(t.http, pending.body.mfaToken, freshCode(t, user), {
      rememberDevice: true,
      cookieMode,
    });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('authenticated');
    return res;
  }

  it('accepts rememberDevice and a device token while the flag is off (the default), and ignores them', async () => {
    const user = await enrolledUser(t);
    const bearer = await remember(user);
    expect(bearer.body.deviceToken).toBeUndefined();
    const cookie = await remember(user, true);
    expect(cookiesOf(cookie).device_token).toBeUndefined();
    expect(cookiesOf(cookie).access_token).toBeDefined();
    expectMfaRequired(await passwordLogin(t.http, user, { deviceToken: randomBytes(32).toString('base64url') }));
  });

  it('remembers devices only of the users the flag targets, and stops honouring them when it is off', async () => {
    const targeted = await enrolledUser(t);
    const untargeted = await enrolledUser(t);
    await setTrustedDevicesFlag(t, admin, { enabled: true, rolloutPercent: 0, allowEmails: [targeted.email] });

    expect(deviceTokenOf(await remember(untargeted))).toBeUndefined();
    const deviceToken = deviceTokenOf(await remember(targeted));
    expect(deviceToken).toEqual(expect.any(String));
    const used = await passwordLogin(t.http, targeted, { deviceToken });
    expectSkippedSecondFactor(used);

    await setTrustedDevicesFlag(t, admin, { enabled: false });
    expectMfaRequired(await passwordLogin(t.http, targeted, { deviceToken: used.body.deviceToken }));
  });
});

describe('trusted devices with TRUSTED_DEVICE_DAYS=0 and NEW_DEVICE_MAIL=false', () => {
  let database: TestDatabase;
  let sink: SmtpSink;
  let t: TestApp;
  let earlier: EnrolledUser & RememberedDevice;
  let closed = false;

  beforeAll(async () => {
    database = await cloneTemplate();
    sink = await SmtpSink.start();
    // A device remembered while the feature was on, then the same database served with it turned off.
    const before = await startTestApp({ database, env: { TRUSTED_DEVICE_DAYS: '30' } });
    await setTrustedDevicesFlag(before, await makeAdmin(before));
    earlier = await userWithDevice(before);
    await before.close();
    t = await startTestApp({
      database,
      clock: before.clock,
      env: { SMTP_URL: sink.url, TRUSTED_DEVICE_DAYS: '0', NEW_DEVICE_MAIL: 'false' },
    });
  });

  afterAll(async () => {
    if (!closed) await t?.close();
    await database.drop();
    await sink.close();
  });

  it('issues no device token with the flag on for everyone, honours none issued before, and mails no new-device notice', async () => {
    expectMfaRequired(await passwordLogin(t.http, earlier, { deviceToken: earlier.deviceToken }));

    const user = await enrolledUser(t);
    const pending = await passwordLogin(t.http, user);
    const res = await secondStep(t.http, pending.body.mfaToken, freshCode(t, user), { rememberDevice: true });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('authenticated');
    expect(res.body.deviceToken).toBeUndefined();
    const again = await passwordLogin(t.http, user);
    const cookie = await secondStep(t.http, again.body.mfaToken, freshCode(t, user), {
      rememberDevice: true,
      cookieMode: true,
    });
    expect(cookie.status).toBe(200);
    expect(cookiesOf(cookie).device_token).toBeUndefined();

    // Closing waits for every queued delivery: after it, the sink holds all the mail this app sent.
    await t.close();
    closed = true;
    const toUser = sink.mails.filter((mail) => mail.to === user.email);
    expect(toUser.map((mail) => mail.subject)).toContain('Two-factor authentication was turned on for your account');
    expect(toUser.filter(isNewDeviceMail)).toEqual([]);
  });
});
