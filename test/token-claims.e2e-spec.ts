import { enroll } from './factories/mfa.factory';
import { signedInUser } from './factories/user.factory';
import { claimsOf, forgeToken } from './support/jwt';
import { startTestApp, TestApp } from './support/test-app';
import { TestClock } from './support/test-clock';

/** Tokens signed with the service's real key whose claims are not of the exact shape the service issues. */
describe('token claims', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  const DAY = 86_400;
  const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);
  const without = (claims: Record<string, unknown>, name: string) =>
    Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));

  function expectRefused(res: { status: number; body: any }): void {
    expect(res.status).toBe(401);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 401, error: 'Unauthorized', requestId: expect.any(String) }),
    );
  }

  describe('access tokens', () => {
    let claims: Record<string, unknown>;
    const me = (token: string) => t.http.get('/api/v1/auth/me', { token });

    beforeAll(async () => {
      claims = claimsOf((await signedInUser(t.http)).accessToken);
    });

    it('accepts the issued claims signed again (the key is the real one)', async () => {
      expect((await me(forgeToken(claims))).status).toBe(200);
    });

    it('answers 401, not 500, for a sid or sub that is not a UUID', async () => {
      expectRefused(await me(forgeToken({ ...claims, sid: 'not-a-uuid' })));
      expectRefused(await me(forgeToken({ ...claims, sub: "x' OR '1'='1" })));
    });

    it.each(['exp', 'iat', 'sub', 'sid', 'jti', 'typ'])('refuses a token without %s', async (name) => {
      expectRefused(await me(forgeToken(without(claims, name))));
    });

    it('refuses iat or nbf in the future beyond 30 seconds of the clock', async () => {
      const now = nowSeconds();
      expectRefused(await me(forgeToken({ ...claims, iat: now + DAY, exp: now + DAY + 900 })));
      expectRefused(await me(forgeToken({ ...claims, nbf: now + 60 })));
      expect((await me(forgeToken({ ...claims, iat: now + 20, nbf: now + 20 }))).status).toBe(200);
    });

    it('refuses claims of the wrong type', async () => {
      expectRefused(await me(forgeToken({ ...claims, exp: String(claims.exp) })));
      expectRefused(await me(forgeToken({ ...claims, typ: 'mfa' })));
      expectRefused(await me(forgeToken({ ...claims, roles: 'admin' })));
    });
  });

  describe('MFA tokens', () => {
    let claims: Record<string, unknown>;
    let code: () => string;
    const step = (mfaToken: string) => t.http.post('/api/v1/auth/login/2fa', { mfaToken, code: code() });

    beforeAll(async () => {
      const user = await signedInUser(t.http);
      const enrollment = await enroll(t.http, t.clock, user.accessToken);
      code = () => enrollment.codeAt(t.clock.now());
      const login = await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password });
      expect(login.body.status).toBe('mfa_required');
      claims = claimsOf(login.body.mfaToken);
    });

    it('answers 401 invalid_mfa_token, not 500, for ids that are not UUIDs', async () => {
      for (const change of [{ sub: 'someone' }, { jti: 'challenge-1' }]) {
        const res = await step(forgeToken({ ...claims, ...change }));
        expectRefused(res);
        expect(res.body.code).toBe('invalid_mfa_token');
      }
    });

    it('refuses a token without exp, or issued a day ahead', async () => {
      const now = nowSeconds();
      expectRefused(await step(forgeToken(without(claims, 'exp'))));
      expectRefused(await step(forgeToken({ ...claims, iat: now + DAY, exp: now + DAY + 300 })));
    });

    it('still completes the sign-in with the claims as issued', async () => {
      const res = await step(forgeToken(claims));
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('authenticated');
    });
  });
});

describe('access token expiry', () => {
  it('is judged by the injected clock, also for a token the wall clock still accepts', async () => {
    const t = await startTestApp({ clock: new TestClock(Date.now()) });
    try {
      const { accessToken } = await signedInUser(t.http);
      const me = () => t.http.get('/api/v1/auth/me', { token: accessToken });
      const exp = claimsOf(accessToken).exp as number;
      t.clock.advance(exp * 1000 - t.clock.now().getTime() - 1000);
      expect((await me()).status).toBe(200);
      t.clock.advance(1000);
      expect(exp * 1000).toBeGreaterThan(Date.now());
      const expired = await me();
      expect(expired.status).toBe(401);
      expect(expired.body.message).toBe('Invalid or expired access token');
    } finally {
      await t.close();
    }
  });
});
