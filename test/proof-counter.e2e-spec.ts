import { enroll, Enrollment } from './factories/mfa.factory';
import { signedInUser, TestUser, Tokens } from './factories/user.factory';
import { storedAuditEvents, storedUser } from './support/db-inspect';
import { HttpResponse } from './support/http-client';
import { startTestApp, TestApp } from './support/test-app';

const WRONG_PASSWORD = 'Not-the-passw0rd!';

type Signed = TestUser & Tokens;

/**
 * Every proof of a sensitive action (2FA disable, backup-code regeneration, password change, account
 * deletion) counts on the account's one failure counter, as sign-in does: a stolen access token is no
 * password or code oracle.
 */
describe('proofs of sensitive actions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '3', ACCOUNT_LOCKOUT_DURATION_MINUTES: '10' } });
  });

  afterAll(async () => {
    await t.close();
  });

  async function enrolledUser(): Promise<Signed & Enrollment> {
    const user = await signedInUser(t.http);
    return { ...user, ...(await enroll(t.http, t.clock, user.accessToken)) };
  }

  const wrongCode = (user: Enrollment) => (user.codeAt(t.clock.now()) === '000000' ? '111111' : '000000');
  const disable = (user: Signed, password: string, code: string) =>
    t.http.post('/api/v1/2fa/disable', { password, code }, { token: user.accessToken });
  const regenerate = (user: Signed, code: string) =>
    t.http.post('/api/v1/2fa/backup-codes/regenerate', { code }, { token: user.accessToken });
  const changePassword = (user: Signed, currentPassword: string) =>
    t.http.post(
      '/api/v1/auth/password/change',
      { currentPassword, newPassword: 'N3w-Passw0rd-2026!' },
      { token: user.accessToken },
    );
  const deleteAccount = (user: Signed, json: { password: string; code?: string }) =>
    t.http.request('DELETE', '/api/v1/users/me', { json, token: user.accessToken });

  async function failures(userId: string) {
    const row = await storedUser(t, userId);
    const events = await storedAuditEvents(t, { userId, type: 'login.failed' });
    return { attempts: row?.failed_login_attempts as number, events: events.map((event) => event.details) };
  }

  function expectLocked(res: HttpResponse): void {
    expect(res.status).toBe(423);
    expect(res.body).toEqual(
      expect.objectContaining({
        code: 'account_locked',
        lockedUntil: expect.any(String),
        requestId: expect.any(String),
      }),
    );
  }

  it('counts and audits a wrong password on 2FA disable, and locks the account at the limit', async () => {
    const user = await enrolledUser();
    const first = await disable(user, WRONG_PASSWORD, user.codeAt(t.clock.now()));
    expect(first.status).toBe(403);
    expect(first.body.code).toBe('current_password_wrong');
    expect(await failures(user.id)).toEqual({
      attempts: 1,
      events: [{ reason: 'wrong_current_password', action: 'mfa_disable' }],
    });

    expect((await disable(user, WRONG_PASSWORD, user.codeAt(t.clock.now()))).status).toBe(403);
    expectLocked(await disable(user, WRONG_PASSWORD, user.codeAt(t.clock.now())));
    // Locked: the right proof is refused too, and so is a sign-in.
    expectLocked(await disable(user, user.password, user.codeAt(t.clock.now())));
    expectLocked(await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password }));
    expect((await t.http.get('/api/v1/2fa/status', { token: user.accessToken })).body.enabled).toBe(true);
    expect(await storedAuditEvents(t, { userId: user.id, type: 'account.locked' })).toHaveLength(1);
  });

  it('counts a wrong code on 2FA disable and backup-code regeneration', async () => {
    const user = await enrolledUser();
    const res = await disable(user, user.password, wrongCode(user));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('mfa_invalid_code');
    const regen = await regenerate(user, wrongCode(user));
    expect(regen.status).toBe(400);
    expect(regen.body.code).toBe('mfa_invalid_code');
    expect(await failures(user.id)).toEqual({
      attempts: 2,
      events: [
        { reason: 'wrong_second_factor', action: 'mfa_disable' },
        { reason: 'wrong_second_factor', action: 'backup_codes_regenerate' },
      ],
    });
    expectLocked(await regenerate(user, wrongCode(user)));
    expectLocked(await regenerate(user, user.codeAt(t.clock.now())));
  });

  it('shares one counter between sign-in and every proof', async () => {
    const user = await enrolledUser();
    await t.http.post('/api/v1/auth/login', { email: user.email, password: WRONG_PASSWORD });
    expect((await changePassword(user, WRONG_PASSWORD)).status).toBe(403);
    expectLocked(await deleteAccount(user, { password: user.password, code: wrongCode(user) }));
    expectLocked(await changePassword(user, user.password));
    expect((await failures(user.id)).events).toEqual([
      { reason: 'wrong_password' },
      { reason: 'wrong_current_password', action: 'password_change' },
      { reason: 'wrong_second_factor', action: 'account_deletion' },
      { reason: 'account_locked', action: 'password_change' },
    ]);
  });

  it('locks on wrong current passwords at password change, and the lock lapses by itself', async () => {
    const user = await signedInUser(t.http);
    for (let attempt = 1; attempt < 3; attempt++) {
      const res = await changePassword(user, WRONG_PASSWORD);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('current_password_wrong');
    }
    const locking = await changePassword(user, WRONG_PASSWORD);
    expectLocked(locking);
    expectLocked(await changePassword(user, user.password));

    t.clock.advance(Date.parse(locking.body.lockedUntil) - t.clock.now().getTime() + 1000);
    expect((await changePassword(user, user.password)).status).toBe(204);
  });

  it('does not count a missing code on account deletion, and counts wrong passwords and codes', async () => {
    const user = await enrolledUser();
    const missing = await deleteAccount(user, { password: WRONG_PASSWORD });
    expect(missing.status).toBe(400);
    expect(missing.body.code).toBe('mfa_invalid_code');
    expect((await failures(user.id)).attempts).toBe(0);

    expect((await deleteAccount(user, { password: WRONG_PASSWORD, code: user.codeAt(t.clock.now()) })).status).toBe(
      403,
    );
    const wrongBackup = await deleteAccount(user, { password: user.password, code: 'AAAA-BBBB-CCCC' });
    expect(wrongBackup.status).toBe(400);
    expect((await failures(user.id)).attempts).toBe(2);
    expectLocked(await deleteAccount(user, { password: user.password, code: wrongCode(user) }));
    expectLocked(await deleteAccount(user, { password: user.password, code: user.codeAt(t.clock.now()) }));
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(200);
  });

  it('counts parallel failures of sign-ins and proofs exactly, locking once, without a 5xx', async () => {
    const user = await enrolledUser();
    const code = user.codeAt(t.clock.now());
    const replies = await Promise.all([
      ...[1, 2, 3, 4].map(() => disable(user, WRONG_PASSWORD, code)),
      ...[1, 2, 3, 4].map(() => changePassword(user, WRONG_PASSWORD)),
      ...[1, 2, 3, 4].map(() => deleteAccount(user, { password: user.password, code: wrongCode(user) })),
      ...[1, 2, 3, 4].map(() => t.http.post('/api/v1/auth/login', { email: user.email, password: WRONG_PASSWORD })),
    ]);
    const statuses = replies.map((res) => res.status);
    // The third failure locks (and answers 423 itself); every later one finds the lock.
    expect(statuses.filter((status) => status !== 423)).toHaveLength(2);
    expect(statuses.every((status) => [400, 401, 403, 423].includes(status))).toBe(true);
    expect(await storedAuditEvents(t, { userId: user.id, type: 'account.locked' })).toHaveLength(1);
  });

  it('still performs the action on the right proof, using the code up', async () => {
    const user = await enrolledUser();
    const code = user.codeAt(t.clock.now());
    expect((await regenerate(user, code)).status).toBe(200);
    const replay = await disable(user, user.password, code);
    expect(replay.status).toBe(400);
    expect((await disable(user, user.password, user.backupCodes[0])).status).toBe(400);
    t.clock.advance(30_000);
    expect((await disable(user, user.password, user.codeAt(t.clock.now()))).status).toBe(204);
    expect((await failures(user.id)).attempts).toBe(2);
  });
});

describe('proofs of sensitive actions, rate limited', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_SENSITIVE_ACTION: '3/min',
        RATE_LIMIT_LOGIN: '100/min',
        RATE_LIMIT_REGISTER: '100/hour',
        MAX_FAILED_LOGIN_ATTEMPTS: '100',
      },
    });
  });

  afterAll(async () => {
    await t.close();
  });

  it('limits each proof route per user by RATE_LIMIT_SENSITIVE_ACTION, with Retry-After', async () => {
    const user = await signedInUser(t.http);
    const other = await signedInUser(t.http);
    const change = (who: Signed) =>
      t.http.post(
        '/api/v1/auth/password/change',
        { currentPassword: WRONG_PASSWORD, newPassword: 'N3w-Passw0rd-2026!' },
        { token: who.accessToken },
      );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await change(user)).status);
    expect(statuses).toEqual([403, 403, 403, 429]);
    const limited = await change(user);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Counted per user: another account from the same address is not limited.
    expect((await change(other)).status).toBe(403);
    const deletion = [];
    for (let i = 0; i < 4; i++) {
      deletion.push(
        (
          await t.http.request('DELETE', '/api/v1/users/me', {
            json: { password: WRONG_PASSWORD },
            token: user.accessToken,
          })
        ).status,
      );
    }
    expect(deletion).toEqual([403, 403, 403, 429]);
  });
});
