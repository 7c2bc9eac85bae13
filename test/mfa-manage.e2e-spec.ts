import { enroll } from './factories/mfa.factory';
import { login, signedInUser } from './factories/user.factory';
import { storedAuditEvents, storedRowsOf, storedUser } from './support/db-inspect';
import { startTestApp, TestApp } from './support/test-app';

describe('managing 2FA', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  async function enrolledUser() {
    const user = await signedInUser(t.http);
    return { ...user, ...(await enroll(t.http, t.clock, user.accessToken)) };
  }

  it('turns 2FA off with the password and a current code, and ends the other sessions', async () => {
    const user = await enrolledUser();
    const other = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    const otherDone = await t.http.post('/api/v1/auth/login/2fa', {
      mfaToken: other.body.mfaToken,
      code: user.backupCodes[0],
    });
    expect(otherDone.status).toBe(200);

    const res = await t.http.post(
      '/api/v1/2fa/disable',
      { password: user.password, code: user.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    expect(res.status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: otherDone.body.accessToken })).status).toBe(401);
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body).toEqual({
      enabled: false,
      enabledAt: null,
      totp: false,
      passkeys: 0,
      backupCodesRemaining: 0,
    });
    expect(await storedUser(t, user.id)).toEqual(expect.objectContaining({ mfa_secret_encrypted: null }));
    expect(await storedRowsOf(t, 'mfa_backup_codes', user.id)).toEqual([]);
    const plain = await login(t.http, user);
    expect((plain as unknown as { status: string }).status).toBe('authenticated');
  });

  it('refuses to turn 2FA off without the right password or code', async () => {
    const user = await enrolledUser();
    const wrongPassword = await t.http.post(
      '/api/v1/2fa/disable',
      { password: 'Not-the-passw0rd!', code: user.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    expect(wrongPassword.status).toBe(403);
    const code = user.codeAt(t.clock.now());
    const wrongCode = await t.http.post(
      '/api/v1/2fa/disable',
      { password: user.password, code: code === '000000' ? '111111' : '000000' },
      { token: user.accessToken },
    );
    expect(wrongCode.status).toBe(400);
    expect(
      (await t.http.post('/api/v1/2fa/disable', { password: user.password }, { token: user.accessToken })).status,
    ).toBe(400);
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.enabled).toBe(true);
  });

  it('refuses to skip enrollment once 2FA is on, and records no skip', async () => {
    const user = await enrolledUser();
    const res = await t.http.post('/api/v1/2fa/skip', undefined, { token: user.accessToken });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 409, code: 'mfa_already_enabled' }));
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(await storedAuditEvents(t, { userId: user.id, type: 'mfa.enrollment_skipped' })).toEqual([]);
  });

  it('regenerates backup codes with a current code; the old set dies', async () => {
    const user = await enrolledUser();
    const res = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: user.codeAt(t.clock.now()) },
      { token: user.accessToken },
    );
    expect(res.status).toBe(200);
    expect(res.body.backupCodes).toHaveLength(10);
    expect(res.body.backupCodes).not.toContain(user.backupCodes[0]);

    const oldTry = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(
      (await t.http.post('/api/v1/auth/login/2fa', { mfaToken: oldTry.body.mfaToken, code: user.backupCodes[0] }))
        .status,
    ).toBe(401);
    const newTry = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(
      (await t.http.post('/api/v1/auth/login/2fa', { mfaToken: newTry.body.mfaToken, code: res.body.backupCodes[0] }))
        .status,
    ).toBe(200);
  });

  it('offers the new codes as a text file download', async () => {
    const user = await enrolledUser();
    const res = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: user.codeAt(t.clock.now()) },
      { token: user.accessToken, headers: { accept: 'text/plain' } },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.txt"$/);
    const codes = res.text.match(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/gm);
    expect(codes).toHaveLength(10);
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.backupCodesRemaining).toBe(10);
  });

  it('refuses to regenerate without a valid current code, and a backup code is no such code', async () => {
    const user = await enrolledUser();
    const code = user.codeAt(t.clock.now());
    const res = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: code === '000000' ? '111111' : '000000' },
      { token: user.accessToken },
    );
    expect(res.status).toBe(400);
    const backup = await t.http.post(
      '/api/v1/2fa/backup-codes/regenerate',
      { code: user.backupCodes[0] },
      { token: user.accessToken },
    );
    expect(backup.status).toBe(400);
    // Refused before anything was checked: the backup code is still unused and still signs in.
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.backupCodesRemaining).toBe(10);
    const login = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(
      (await t.http.post('/api/v1/auth/login/2fa', { mfaToken: login.body.mfaToken, code: user.backupCodes[0] }))
        .status,
    ).toBe(200);
  });
});
