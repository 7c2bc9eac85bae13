import { authenticator, enroll } from './factories/mfa.factory';
import { signedInUser, TestUser } from './factories/user.factory';
import { storedRowsOf, storedUser } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { metricValue } from './support/metrics';
import { itOnPostgres } from './support/postgres-only';
import { eventually } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';

describe('login with two-factor authentication', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '3' } });
  });

  afterAll(async () => {
    await t.close();
  });

  async function enrolledUser() {
    const user = await signedInUser(t.http);
    const enrollment = await enroll(t.http, t.clock, user.accessToken);
    return { ...user, ...enrollment };
  }

  async function passwordStep(user: TestUser): Promise<string> {
    const res = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    return res.body.mfaToken as string;
  }

  /** A password step done, with the current code and one that is surely wrong. */
  async function pendingLogin() {
    const user = await enrolledUser();
    const mfaToken = await passwordStep(user);
    const right = user.codeAt(t.clock.now());
    return { user, mfaToken, right, wrong: right === '000000' ? '111111' : '000000' };
  }

  const secondStep = (mfaToken: string, code: string) => t.http.post('/api/v1/auth/login/2fa', { mfaToken, code });

  it('answers mfa_required, then issues aal2 tokens for a TOTP code', async () => {
    const user = await enrolledUser();
    const first = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(first.body).toEqual({
      status: 'mfa_required',
      mfaToken: expect.any(String),
      methods: ['totp', 'backup_code'],
      expiresIn: 300,
    });
    expect(claimsOf(first.body.mfaToken)).toEqual(expect.objectContaining({ typ: 'mfa', sub: user.id }));

    const res = await secondStep(first.body.mfaToken, user.codeAt(t.clock.now()));
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('authenticated');
    expect(res.body.sessionId).not.toBe(user.sessionId);
    expect(claimsOf(res.body.accessToken)).toEqual(
      expect.objectContaining({ aal: 'aal2', amr: ['pwd', 'otp'], sid: res.body.sessionId }),
    );
    const me = await t.http.get('/api/v1/auth/me', { token: res.body.accessToken });
    expect(me.body.session).toEqual({ id: res.body.sessionId, aal: 'aal2', scope: 'full' });
  });

  it('accepts a backup code once, with amr backup_code', async () => {
    const user = await enrolledUser();
    const backup = user.backupCodes[0];
    const res = await secondStep(await passwordStep(user), backup.toLowerCase());
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.accessToken).amr).toEqual(['pwd', 'backup_code']);
    const again = await secondStep(await passwordStep(user), backup);
    expect(again.status).toBe(401);
    expect(again.body.code).toBe('invalid_second_factor');
    const status = await t.http.get('/api/v1/2fa/status', { token: res.body.accessToken });
    expect(status.body.backupCodesRemaining).toBe(9);
  });

  it('never accepts a TOTP code twice, including the one that enabled 2FA', async () => {
    const user = await signedInUser(t.http);
    const setup = await t.http.post('/api/v1/2fa/setup', undefined, { token: user.accessToken });
    const app = authenticator(setup.body.secret);
    const enablingCode = app.codeAt(t.clock.now());
    await t.http.post('/api/v1/2fa/verify', { code: enablingCode }, { token: user.accessToken });
    expect((await secondStep(await passwordStep(user), enablingCode)).status).toBe(401);

    t.clock.advance(30_000);
    const code = app.codeAt(t.clock.now());
    expect((await secondStep(await passwordStep(user), code)).status).toBe(200);
    expect((await secondStep(await passwordStep(user), code)).status).toBe(401);
  });

  it('counts wrong codes on the failure counter, so guessing ends in lockout', async () => {
    const { user, mfaToken, right, wrong } = await pendingLogin();
    expect((await secondStep(mfaToken, wrong)).status).toBe(401);
    expect((await secondStep(mfaToken, wrong)).status).toBe(401);
    const third = await secondStep(mfaToken, wrong);
    expect(third.status).toBe(423);
    expect(third.body.lockedUntil).toEqual(expect.any(String));
    expect((await secondStep(mfaToken, right)).status).toBe(423);
    expect((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status).toBe(423);
  });

  it('takes each MFA token for one success only, and for 5 minutes', async () => {
    const user = await enrolledUser();
    const mfaToken = await passwordStep(user);
    expect((await secondStep(mfaToken, user.backupCodes[0])).status).toBe(200);
    const reuse = await secondStep(mfaToken, user.backupCodes[1]);
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('invalid_mfa_token');

    const late = await passwordStep(user);
    t.clock.advanceMinutes(6);
    expect((await secondStep(late, user.backupCodes[2])).status).toBe(401);
  });

  it('completes a pending login once when two requests race with different valid codes', async () => {
    const user = await enrolledUser();
    const mfaToken = await passwordStep(user);
    const answers = await Promise.all([
      secondStep(mfaToken, user.backupCodes[0]),
      secondStep(mfaToken, user.backupCodes[1]),
    ]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 401]);
    expect(answers.find((answer) => answer.status === 401)?.body.code).toBe('invalid_mfa_token');
    const sessions = await storedRowsOf(t, 'sessions', user.id);
    expect(sessions.filter((session) => (session.amr as string[]).includes('backup_code'))).toHaveLength(1);
  });

  it('refuses a used TOTP step without recording the login: counted as a failure, audited, no session', async () => {
    const user = await enrolledUser();
    t.clock.advance(30_000);
    const code = user.codeAt(t.clock.now());
    expect((await secondStep(await passwordStep(user), code)).status).toBe(200);
    const signedIn = (await storedUser(t, user.id)) as Record<string, unknown>;
    const sessions = await storedRowsOf(t, 'sessions', user.id);

    t.clock.advance(1_000);
    const replay = await secondStep(await passwordStep(user), code);
    expect(replay.status).toBe(401);
    expect(replay.body.code).toBe('invalid_second_factor');
    expect(await storedUser(t, user.id)).toEqual(
      expect.objectContaining({
        failed_login_attempts: 1,
        last_login_at: signedIn.last_login_at,
        mfa_last_used_step: signedIn.mfa_last_used_step,
      }),
    );
    expect(await storedRowsOf(t, 'sessions', user.id)).toHaveLength(sessions.length);
    const events: { type: string }[] = await t.dataSource.query(
      `SELECT type FROM audit_events WHERE user_id = $1 ORDER BY id`,
      [user.id],
    );
    expect(events.slice(-2).map((event) => event.type)).toEqual(['mfa.code_replayed', 'login.failed']);
  });

  it('resets the failure counter and records the login only when the second step succeeds', async () => {
    const { user, mfaToken, right, wrong } = await pendingLogin();
    expect((await secondStep(mfaToken, wrong)).status).toBe(401);
    expect((await secondStep(mfaToken, wrong)).status).toBe(401);
    expect(await storedUser(t, user.id)).toEqual(expect.objectContaining({ failed_login_attempts: 2 }));
    t.clock.advance(1_000);
    expect((await secondStep(mfaToken, right)).status).toBe(200);
    expect(await storedUser(t, user.id)).toEqual(
      expect.objectContaining({ failed_login_attempts: 0, last_login_at: t.clock.now() }),
    );
  });

  it('refuses malformed codes with 400', async () => {
    const user = await enrolledUser();
    const mfaToken = await passwordStep(user);
    for (const code of ['12345', '1234567', '12345x', ' 123456', 'not-a-code']) {
      expect((await secondStep(mfaToken, code)).status).toBe(400);
    }
    expect((await secondStep('not-a-jwt', '123456')).status).toBe(400);
  });

  // A transaction holding the user's row needs a second connection: PostgreSQL only (PGlite serves one).
  itOnPostgres.each([
    ['a backup code', (user: { backupCodes: string[] }) => user.backupCodes[0]],
    [
      'a TOTP code, whose step the login stamp claims',
      (user: { codeAt(time: Date): string }) => user.codeAt(t.clock.now()),
    ],
  ])(
    'waits for an account deletion in progress without deadlocking, then refuses the closed login (%s)',
    async (_name, pick) => {
      const { user, mfaToken } = await pendingLogin();
      const deletion = t.dataSource.createQueryRunner();
      await deletion.connect();
      try {
        // The order account deletion locks in: the user's row, then the user's challenges.
        await deletion.startTransaction();
        await deletion.query(`UPDATE users SET display_name = display_name WHERE id = $1`, [user.id]);
        const step = secondStep(mfaToken, pick(user));
        await eventually(async () => {
          const [{ waiting }] = await t.dataSource.query(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
          );
          expect(waiting).toBe(1);
        });
        await deletion.query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [user.id]);
        await deletion.commitTransaction();
        const answer = await step;
        expect(answer.status).toBe(401);
        expect(answer.body.code).toBe('invalid_mfa_token');
      } finally {
        await deletion.release();
      }
    },
  );

  it('refuses the MFA token on every authenticated route and as a refresh token', async () => {
    const user = await enrolledUser();
    const mfaToken = await passwordStep(user);
    const doc = (await t.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => (operation.security ?? []).length > 0)
        .map(([method]) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, user.sessionId) })),
    );
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) {
      const body = route.method === 'GET' ? {} : { json: {} };
      const res = await t.http.request(route.method, route.path, { token: mfaToken, ...body });
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
    }
    expect((await t.http.post('/api/v1/auth/refresh', { refreshToken: mfaToken })).status).toBe(400);
  });

  it.each([
    ['one backup code', (user: { backupCodes: string[] }) => user.backupCodes[0]],
    ['one TOTP step', (user: { codeAt(time: Date): string }) => user.codeAt(t.clock.now())],
  ])('lets exactly one of 30 concurrent logins use %s', async (_name, pick) => {
    const user = await enrolledUser();
    const tokens: string[] = [];
    for (let i = 0; i < 30; i++) tokens.push(await passwordStep(user));
    const code = pick(user);
    const sessionsBefore = await metricValue(t.http, 'auth_sessions_created_total');
    const results = await Promise.all(tokens.map((mfaToken) => secondStep(mfaToken, code)));
    expect(results.filter((res) => res.status === 200)).toHaveLength(1);
    expect(results.every((res) => res.status === 200 || res.status === 401 || res.status === 423)).toBe(true);
    // The losers are refused before a session starts: none is counted, none is stored.
    expect((await metricValue(t.http, 'auth_sessions_created_total')) - sessionsBefore).toBe(1);
    expect(await storedRowsOf(t, 'sessions', user.id)).toHaveLength(2);
  });
});
