import { forcePasswordChange, makeAdmin } from './factories/admin.factory';
import { login, registerUser, signedInUser, uniqueEmail } from './factories/user.factory';
import { storedRefreshTokens, storedRowsOf, storedUser } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { itOnPostgres } from './support/postgres-only';
import { eventually } from './support/service-process';
import { startTestApp, TestApp } from './support/test-app';

describe('login, tokens and lockout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_FAILED_LOGIN_ATTEMPTS: '3', ACCOUNT_LOCKOUT_DURATION_MINUTES: '30' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('issues an access token with every claim, a refresh token and a session', async () => {
    const user = await registerUser(t.http);
    const res = await t.http.post('/api/v1/auth/login', { email: user.email.toUpperCase(), password: user.password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'authenticated',
      accessToken: expect.any(String),
      refreshToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      sessionId: expect.any(String),
      mfaEnrollment: 'none',
    });
    const claims = claimsOf(res.body.accessToken);
    expect(claims).toEqual({
      iss: 'twofold',
      aud: 'twofold-api',
      sub: user.id,
      iat: expect.any(Number),
      exp: claims.iat + 900,
      jti: expect.any(String),
      sid: res.body.sessionId,
      typ: 'access',
      aal: 'aal1',
      amr: ['pwd'],
      scope: 'full',
      roles: ['user'],
    });
    const stored = await storedRefreshTokens(t, user.id);
    expect(stored.map((token) => token.session_id)).toEqual([res.body.sessionId]);
    expect(stored[0].token_hash).not.toBe(res.body.refreshToken);
    // JWT_REFRESH_TTL (7 days) would outlive the session's 12 hours: the token ends with the session.
    const [session] = await storedRowsOf(t, 'sessions', user.id);
    expect(stored[0].created_at).toEqual(session.created_at);
    expect(stored[0].expires_at).toEqual(session.expires_at);
    expect((session.expires_at as Date).getTime() - (session.created_at as Date).getTime()).toBe(12 * 3_600_000);
  });

  // Two connections at once: PostgreSQL only (PGlite serves one).
  itOnPostgres('starts nothing for an account deleted while its sign-in waited for the account lock', async () => {
    const user = await registerUser(t.http);
    const deletion = t.dataSource.createQueryRunner();
    await deletion.connect();
    try {
      await deletion.startTransaction();
      await deletion.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [user.id]);
      const signIn = t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      // The password was right; the sign-in's login stamp now waits for the row.
      await eventually(
        async () => {
          const [{ waiting }] = await t.dataSource.query(
            `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE users SET failed_login_attempts%'`,
          );
          if (waiting !== 1) throw new Error(`${waiting} sign-ins waiting for the lock`);
        },
        100,
        50,
      );
      await deletion.query('UPDATE users SET deleted_at = now() WHERE id = $1', [user.id]);
      await deletion.commitTransaction();

      const res = await signIn;
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_credentials');
      expect(await storedRowsOf(t, 'sessions', user.id)).toEqual([]);
      expect((await storedUser(t, user.id))?.last_login_at).toBeNull();
    } finally {
      if (deletion.isTransactionActive) await deletion.rollbackTransaction();
      await deletion.release();
    }
  });

  it('answers unknown email and wrong password with the same 401 body', async () => {
    const user = await registerUser(t.http);
    const wrong = await t.http.post('/api/v1/auth/login', { email: user.email, password: 'Wrong-passw0rd!' });
    const unknown = await t.http.post('/api/v1/auth/login', {
      email: uniqueEmail('ghost'),
      password: 'Wrong-passw0rd!',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const { requestId: _a, ...wrongBody } = wrong.body;
    const { requestId: _b, ...unknownBody } = unknown.body;
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid email or password',
      code: 'invalid_credentials',
    });
  });

  it('counts every byte of a long password: a difference after byte 72 does not verify', async () => {
    const base = `Aa1!${'x'.repeat(80)}`;
    const ascii = await registerUser(t.http, { password: `${base}A` });
    expect((await t.http.post('/api/v1/auth/login', { email: ascii.email, password: `${base}B` })).status).toBe(401);
    expect((await t.http.post('/api/v1/auth/login', { email: ascii.email, password: `${base}A` })).status).toBe(200);

    const multibyte = `Ää1!${'ü'.repeat(40)}`;
    const utf8 = await registerUser(t.http, { password: `${multibyte}é` });
    expect((await t.http.post('/api/v1/auth/login', { email: utf8.email, password: `${multibyte}è` })).status).toBe(
      401,
    );
  });

  it('locks the account at the limit, refuses even the right password, and lapses by itself', async () => {
    const user = await registerUser(t.http);
    const attempt = (password: string) => t.http.post('/api/v1/auth/login', { email: user.email, password });
    expect((await attempt('Wrong-1-password!')).status).toBe(401);
    expect((await attempt('Wrong-2-password!')).status).toBe(401);
    const third = await attempt('Wrong-3-password!');
    expect(third.status).toBe(423);
    const lockedUntil = third.body.lockedUntil as string;
    expect(Date.parse(lockedUntil) - t.clock.now().getTime()).toBe(30 * 60_000);

    const right = await attempt(user.password);
    expect(right.status).toBe(423);
    t.clock.advanceMinutes(10);
    expect((await attempt('Wrong-4-password!')).body.lockedUntil).toBe(lockedUntil);

    t.clock.advanceMinutes(21);
    expect((await attempt(user.password)).status).toBe(200);
  });

  it('resets the failure counter after a successful login', async () => {
    const user = await registerUser(t.http);
    const attempt = (password: string) => t.http.post('/api/v1/auth/login', { email: user.email, password });
    await attempt('Wrong-1-password!');
    await attempt('Wrong-2-password!');
    expect((await attempt(user.password)).status).toBe(200);
    expect((await attempt('Wrong-3-password!')).status).toBe(401);
    expect((await attempt('Wrong-4-password!')).status).toBe(401);
    expect((await attempt('Wrong-5-password!')).status).toBe(423);
  });

  it('returns the profile and session on /auth/me', async () => {
    const user = await signedInUser(t.http);
    const res = await t.http.get('/api/v1/auth/me', { token: user.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: user.id,
      email: user.email,
      displayName: null,
      roles: ['user'],
      emailVerified: false,
      mfaEnabled: false,
      passwordExpiresAt: expect.any(String),
      session: { id: user.sessionId, aal: 'aal1', scope: 'full' },
    });
  });

  it('refuses requests without a valid access token', async () => {
    const user = await signedInUser(t.http);
    expect((await t.http.get('/api/v1/auth/me')).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { token: `${user.accessToken}x` })).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { headers: { authorization: user.accessToken } })).status).toBe(401);
    t.clock.advanceMinutes(16);
    const expired = await t.http.get('/api/v1/auth/me', { token: user.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toBe('Invalid or expired access token');
  });
});

describe('refresh rotation and logout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { REFRESH_REUSE_GRACE_SECONDS: '10' } });
  });

  afterAll(async () => {
    await t.close();
  });

  const refresh = (refreshToken: string) => t.http.post('/api/v1/auth/refresh', { refreshToken });

  it('rotates: the new pair works and the session stays the same', async () => {
    const user = await signedInUser(t.http);
    const res = await refresh(user.refreshToken);
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).not.toBe(user.refreshToken);
    expect(res.body.sessionId).toBe(user.sessionId);
    expect((await t.http.get('/api/v1/auth/me', { token: res.body.accessToken })).status).toBe(200);
    expect((await refresh(res.body.refreshToken)).status).toBe(200);
  });

  it('gives a benign retry inside the grace window the same successor', async () => {
    const user = await signedInUser(t.http);
    const [first, second] = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).toBe(first.body.refreshToken);
    expect((await refresh(first.body.refreshToken)).status).toBe(200);
  });

  it('revokes the whole session when a rotated token is reused after the grace window', async () => {
    const user = await signedInUser(t.http);
    const rotated = await refresh(user.refreshToken);
    t.clock.advance(11_000);
    const reuse = await refresh(user.refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe('invalid_refresh_token');
    expect((await refresh(rotated.body.refreshToken)).status).toBe(401);
    expect((await t.http.get('/api/v1/auth/me', { token: rotated.body.accessToken })).status).toBe(401);
    const [session] = await storedRowsOf(t, 'sessions', user.id);
    expect(session).toEqual(expect.objectContaining({ id: user.sessionId, revoked_reason: 'refresh_reuse' }));
  });

  it('refuses unknown, malformed and expired refresh tokens', async () => {
    expect((await refresh('A'.repeat(43))).status).toBe(401);
    expect((await refresh('short')).status).toBe(400);
    const user = await signedInUser(t.http);
    t.clock.advanceMinutes(13 * 60);
    expect((await refresh(user.refreshToken)).status).toBe(401);
  });

  it('logs out: the session ends, its access and refresh tokens stop working', async () => {
    const user = await signedInUser(t.http);
    const res = await t.http.post('/api/v1/auth/logout', undefined, { token: user.accessToken });
    expect(res.status).toBe(204);
    expect((await t.http.get('/api/v1/auth/me', { token: user.accessToken })).status).toBe(401);
    expect((await refresh(user.refreshToken)).status).toBe(401);
  });

  it('refuses to refresh with an access token', async () => {
    const user = await signedInUser(t.http);
    expect((await refresh(user.accessToken)).status).toBe(400);
  });

  it('turns a password_change login into a token that only opens password change, me and logout', async () => {
    const user = await registerUser(t.http);
    await forcePasswordChange(t, await makeAdmin(t), user.id);
    const res = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('password_change_required');
    expect(claimsOf(res.body.accessToken).scope).toBe('password_change');
    const token = res.body.accessToken as string;
    expect((await t.http.get('/api/v1/auth/me', { token })).status).toBe(200);
    const sessions = await t.http.get('/api/v1/sessions', { token });
    expect(sessions.status).toBe(403);
    expect((await t.http.post('/api/v1/auth/logout', undefined, { token })).status).toBe(204);
  });

  it('asks for a password change once the password is older than PASSWORD_MAX_AGE_DAYS', async () => {
    const user = await registerUser(t.http);
    t.clock.advance(91 * 86_400_000);
    const res = await login(t.http, user);
    expect((res as unknown as { status: string }).status).toBe('password_change_required');
  });
});
