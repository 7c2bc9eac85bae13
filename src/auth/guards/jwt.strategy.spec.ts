import { ExecutionContext, HttpException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { createHmac, generateKeyPairSync, KeyObject } from 'node:crypto';
import { AuthUser } from '../../common/auth/auth-user';
import { Config, loadConfig } from '../../config/configuration';
import { SessionError, SessionException } from '../../session/session.exception';
import { SessionService } from '../../session/session.service';
import { SigningKeys } from '../../tokens/signing-keys';
import { AccessSubject, CLOCK_LEEWAY_SECONDS } from '../../tokens/token-claims';
import { TokenService } from '../../tokens/token.service';
import { TestClock } from '../../../test/support/test-clock';
import { configOf } from '../../../test/support/unit-mocks';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtStrategy } from './jwt.strategy';

const ENV = { NODE_ENV: 'test', JWT_SECRET: 's'.repeat(20) + 'uniq-Q1w2E3r4T5y6', MFA_ENCRYPTION_KEY: 'ab'.repeat(32) };
const START = Date.parse('2026-03-01T12:00:00Z');
const USER_ID = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';
const SESSION_ID = '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f';
const subject: AccessSubject = {
  sub: USER_ID,
  sid: SESSION_ID,
  aal: 'aal1',
  amr: ['pwd'],
  scope: 'full',
  roles: ['user'],
};
const caller: AuthUser = {
  userId: USER_ID,
  sessionId: SESSION_ID,
  aal: 'aal1',
  amr: ['pwd'],
  scope: 'full',
  roles: ['user'],
};
const INVALID = { status: 401, message: 'Invalid or expired access token' };

/** A route with no decorators: not `@Public()`, so the guard asks for a token. */
class Routes {
  me(): void {}
}

function contextFor(request: object): ExecutionContext {
  return {
    getHandler: () => Routes.prototype.me,
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims signed by hand with HS256 under `secret`: jsonwebtoken would refuse to sign some of them, or add an `iat`. */
function hs256(claims: object, secret: string | Buffer): string {
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/**
 * JwtAuthGuard over a real JwtStrategy as AppModule wires them: SigningKeys from `config`, the test clock and a
 * mocked session check (live unless a test says otherwise). TokenService signs with the same keys and clock.
 */
function setUp(config: Config = loadConfig(ENV)) {
  const settings = configOf({ jwt: config.jwt });
  const keys = new SigningKeys(settings);
  const clock = new TestClock(START);
  const sessions = { assertActive: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<SessionService>;
  const guard = new JwtAuthGuard(new Reflector(), new JwtStrategy(keys, settings, clock, sessions));
  const tokens = new TokenService(new JwtService(), clock, keys, settings);

  /** The caller the guard sets on a request that carries `Authorization: Bearer <token>`. */
  const admit = async (token: string): Promise<AuthUser | undefined> => {
    const request: { headers: { authorization: string }; user?: AuthUser } = {
      headers: { authorization: `Bearer ${token}` },
    };
    expect(await guard.canActivate(contextFor(request))).toBe(true);
    return request.user;
  };

  /** What the client is told of a refused token, or the error itself if it is no HttpException. */
  const refusal = async (token: string): Promise<unknown> => {
    try {
      await admit(token);
    } catch (error) {
      return error instanceof HttpException ? { status: error.getStatus(), message: error.message } : error;
    }
    return undefined;
  };

  /** Refused as an invalid token, before the session is looked at. */
  const expectInvalid = async (token: string): Promise<void> => {
    const checks = sessions.assertActive.mock.calls.length;
    expect(await refusal(token)).toEqual(INVALID);
    expect(sessions.assertActive).toHaveBeenCalledTimes(checks);
  };

  return { config, keys, clock, sessions, tokens, admit, refusal, expectInvalid };
}

describe('JwtStrategy, run by JwtAuthGuard', () => {
  let t: ReturnType<typeof setUp>;

  beforeEach(() => {
    t = setUp();
  });

  it('admits an access token TokenService signed, as the caller it names, once its session is live', async () => {
    expect(await t.admit(t.tokens.signAccess(subject))).toEqual(caller);
    expect(t.sessions.assertActive).toHaveBeenCalledWith(SESSION_ID, USER_ID);
  });

  it('refuses a token once the injected clock passes its expiry', async () => {
    const token = t.tokens.signAccess(subject);
    t.clock.advance(15 * 60_000 - 1000);
    expect(await t.admit(token)).toEqual(caller);
    t.clock.advance(2000);
    await t.expectInvalid(token);
  });

  it('refuses alg:none and tokens signed with another key or algorithm', async () => {
    const [header, payload] = t.tokens.signAccess(subject).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    await t.expectInvalid(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`);
    const hs512 = b64({ alg: 'HS512', typ: 'JWT' });
    const forged = createHmac('sha512', t.config.jwt.secret).update(`${hs512}.${payload}`).digest('base64url');
    await t.expectInvalid(`${hs512}.${payload}.${forged}`);
    const wrongKey = createHmac('sha256', 'another-secret').update(`${header}.${payload}`).digest('base64url');
    await t.expectInvalid(`${header}.${payload}.${wrongKey}`);
  });

  it('refuses a validly signed payload that is not an object (JSON null, a number) with 401, not a crash', async () => {
    const sign = (payload: string) => {
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${Buffer.from(payload).toString('base64url')}`;
      return `${unsigned}.${createHmac('sha256', t.config.jwt.secret).update(unsigned).digest('base64url')}`;
    };
    for (const payload of ['null', '42', '"text"', '[]']) await t.expectInvalid(sign(payload));
  });

  it('refuses a valid signature over a token of another type', async () => {
    const now = Math.floor(START / 1000);
    const mfa = new JwtService().sign(
      { ...subject, typ: 'mfa', iat: now, exp: now + 300, iss: 'twofold', aud: 'twofold-api' },
      { secret: t.config.jwt.secret, algorithm: 'HS256' },
    );
    await t.expectInvalid(mfa);
  });

  describe('claims signed with the real key but not of our exact shape', () => {
    const now = Math.floor(START / 1000);
    const access = {
      ...subject,
      typ: 'access',
      jti: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      iat: now,
      exp: now + 900,
      iss: 'twofold',
      aud: 'twofold-api',
    };
    const signed = (claims: object) => hs256(claims, ENV.JWT_SECRET);
    const without = (claims: Record<string, unknown>, name: string) =>
      Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));

    it('admits the well-formed claims these cases start from', async () => {
      expect(await t.admit(signed(access))).toEqual(caller);
    });

    it.each(['exp', 'iat', 'sub', 'sid', 'jti', 'typ', 'aal', 'amr', 'scope', 'roles', 'iss', 'aud'])(
      'refuses an access token without %s',
      async (name) => {
        await t.expectInvalid(signed(without(access, name)));
      },
    );

    it.each([
      ['a sid that is not a UUID', { sid: "1' OR '1'='1" }],
      ['a sub that is not a UUID', { sub: 'user-1' }],
      ['a jti that is not a UUID', { jti: 42 }],
      ['an upper-case UUID', { sid: SESSION_ID.toUpperCase() }],
      ['an iat that is a string', { iat: String(now) }],
      ['a fractional exp', { exp: now + 900.5 }],
      ['an exp before its iat', { iat: now, exp: now - 1 }],
      ['an unknown aal', { aal: 'aal3' }],
      ['an unknown scope', { scope: 'everything' }],
      ['an unknown role', { roles: ['user', 'root'] }],
      ['roles that are not a list', { roles: 'admin' }],
      ['an empty amr', { amr: [] }],
      ['an amr of non-strings', { amr: [{}] }],
    ])('refuses an access token with %s', async (_case, change) => {
      await t.expectInvalid(signed({ ...access, ...change }));
    });

    it('refuses iat and nbf in the future beyond the leeway, on the injected clock', async () => {
      const ahead = now + CLOCK_LEEWAY_SECONDS;
      const tomorrow = signed({ ...access, iat: now + 86_400, exp: now + 87_300 });
      expect(await t.admit(signed({ ...access, iat: ahead }))).toEqual(caller);
      await t.expectInvalid(signed({ ...access, iat: ahead + 1 }));
      await t.expectInvalid(tomorrow);
      expect(await t.admit(signed({ ...access, nbf: ahead }))).toEqual(caller);
      await t.expectInvalid(signed({ ...access, nbf: ahead + 1 }));
      await t.expectInvalid(signed({ ...access, nbf: 'now' }));
      t.clock.advance(86_400_000);
      expect(await t.admit(tomorrow)).toEqual(caller);
    });
  });

  describe('the session behind a valid token', () => {
    it.each([
      ['has ended', new SessionException(SessionError.Expired, 'Session expired or revoked')],
      ['is not found', new SessionException(SessionError.NotFound, 'Session not found')],
    ])("refuses with 401 'Session expired or revoked' when it %s", async (_case, ended) => {
      t.sessions.assertActive.mockRejectedValueOnce(ended);
      expect(await t.refusal(t.tokens.signAccess(subject))).toEqual({
        status: 401,
        message: 'Session expired or revoked',
      });
    });

    it('lets an outage of the session check through as it is (the exception filter answers 503)', async () => {
      const outage = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      t.sessions.assertActive.mockRejectedValueOnce(outage);
      expect(await t.refusal(t.tokens.signAccess(subject))).toBe(outage);
    });
  });

  describe('with JWT_PRIVATE_KEY (ES256)', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const es256 = loadConfig({
      ...ENV,
      JWT_PRIVATE_KEY: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    });

    it('admits the tokens it signs, and the HS256 setup refuses them', async () => {
      const asymmetric = setUp(es256);
      const token = asymmetric.tokens.signAccess(subject);
      expect(await asymmetric.admit(token)).toEqual(caller);
      await t.expectInvalid(token);
    });

    it('refuses HS256 tokens, whether signed with JWT_SECRET or with the public key', async () => {
      const asymmetric = setUp(es256);
      const claims = JSON.parse(Buffer.from(t.tokens.signAccess(subject).split('.')[1], 'base64url').toString());
      const publicPem = (asymmetric.keys.verificationKey as KeyObject).export({ format: 'pem', type: 'spki' });
      await asymmetric.expectInvalid(t.tokens.signAccess(subject));
      await asymmetric.expectInvalid(hs256(claims, publicPem));
      expect(await t.admit(hs256(claims, ENV.JWT_SECRET))).toEqual(caller);
    });
  });
});
