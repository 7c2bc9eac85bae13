import { authenticator, decodeQr } from './factories/mfa.factory';
import { signedInUser } from './factories/user.factory';
import { storedRowsOf, storedUser } from './support/db-inspect';
import { startTestApp, TestApp } from './support/test-app';

describe('2FA enrollment', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MFA_ISSUER: 'Twofold Test' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('sets up with a scannable QR code and turns on with a code from a real authenticator', async () => {
    const user = await signedInUser(t.http);
    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    expect(setup.status).toBe(200);
    expect(setup.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(setup.body.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(decodeQr(setup.body.qrCodeDataUrl)).toBe(setup.body.otpauthUrl);
    const url = new URL(setup.body.otpauthUrl);
    expect(decodeURIComponent(url.pathname)).toBe(`/Twofold Test:${user.email}`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      secret: setup.body.secret,
      issuer: 'Twofold Test',
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });

    const row = await storedUser(t, user.id);
    expect(row?.mfa_enabled).toBe(false);
    expect(row?.mfa_pending_secret_encrypted).not.toContain(setup.body.secret);

    const code = authenticator(setup.body.secret).codeAt(t.clock.now());
    const verify = await t.http.post('/api/v1/2fa/verify', { code }, { token: user.accessToken });
    expect(verify.status).toBe(200);
    expect(verify.body.enabled).toBe(true);
    expect(verify.body.backupCodes).toHaveLength(10);
    for (const backup of verify.body.backupCodes) expect(backup).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);

    const stored = (await storedRowsOf(t, 'mfa_backup_codes', user.id)).map((row) => row.code_hash);
    expect(stored).toHaveLength(10);
    const storedText = JSON.stringify(stored);
    for (const backup of verify.body.backupCodes) {
      expect(storedText).not.toContain(backup.replace(/-/g, ''));
      expect(storedText).not.toContain(backup);
    }

    const status = await t.http.get('/api/v1/2fa/status', { token: user.accessToken });
    expect(status.body).toEqual({
      enabled: true,
      enabledAt: t.clock.now().toISOString(),
      totp: true,
      passkeys: 0,
      backupCodesRemaining: 10,
    });
    const me = await t.http.get('/api/v1/auth/me', { token: user.accessToken });
    expect(me.body.mfaEnabled).toBe(true);
  });

  it('leaves 2FA off after a wrong code and refuses malformed ones', async () => {
    const user = await signedInUser(t.http);
    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    const right = authenticator(setup.body.secret).codeAt(t.clock.now());
    const wrong = right === '000000' ? '111111' : '000000';
    const res = await t.http.post('/api/v1/2fa/verify', { code: wrong }, { token: user.accessToken });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('mfa_invalid_code');
    for (const code of [`${right} `, `+${right.slice(1)}`, right.slice(0, 5), `${right.slice(0, 5)}x`, 123456]) {
      const malformed = await t.http.post('/api/v1/2fa/verify', { code }, { token: user.accessToken });
      expect(malformed.status).toBe(400);
    }
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.enabled).toBe(false);
  });

  it('replaces the pending secret on a new setup: the first secret no longer verifies', async () => {
    const user = await signedInUser(t.http);
    const first = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    const second = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    expect(second.body.secret).not.toBe(first.body.secret);
    const stale = authenticator(first.body.secret).codeAt(t.clock.now());
    const fresh = authenticator(second.body.secret).codeAt(t.clock.now());
    if (stale !== fresh) {
      expect((await t.http.post('/api/v1/2fa/verify', { code: stale }, { token: user.accessToken })).status).toBe(400);
    }
    expect((await t.http.post('/api/v1/2fa/verify', { code: fresh }, { token: user.accessToken })).status).toBe(200);
  });

  it('answers 409 to setup or verify once 2FA is on, and to verify before setup', async () => {
    const user = await signedInUser(t.http);
    expect((await t.http.post('/api/v1/2fa/verify', { code: '123456' }, { token: user.accessToken })).status).toBe(409);
    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    const code = authenticator(setup.body.secret).codeAt(t.clock.now());
    await t.http.post('/api/v1/2fa/verify', { code }, { token: user.accessToken });
    const again = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('mfa_already_enabled');
  });

  it('needs a sign-in from the last 10 minutes', async () => {
    const user = await signedInUser(t.http);
    t.clock.advanceMinutes(11);
    const refreshed = await t.http.post('/api/v1/auth/refresh', { refreshToken: user.refreshToken });
    const res = await t.http.post('/api/v1/2fa/setup', undefined, { token: refreshed.body.accessToken });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('reauthentication_required');
  });

  it('limits setups per user with RATE_LIMIT_MFA_SETUP', async () => {
    const limited = await startTestApp({ env: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_MFA_SETUP: '2/hour' } });
    try {
      const a = await signedInUser(limited.http);
      const b = await signedInUser(limited.http);
      const setup = (token: string) => limited.http.post('/api/v1/2fa/setup', undefined, { token });
      expect((await setup(a.accessToken)).status).toBe(200);
      expect((await setup(a.accessToken)).status).toBe(200);
      const third = await setup(a.accessToken);
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await setup(b.accessToken)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
