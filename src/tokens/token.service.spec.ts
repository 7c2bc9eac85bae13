import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHmac, createPublicKey, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { Config, loadConfig } from '../config/configuration';
import { SigningKeys } from './signing-keys';
import { AccessSubject, CLOCK_LEEWAY_SECONDS } from './token-claims';
import { TokenService } from './token.service';

class FixedClock extends Clock {
  constructor(public time: number) {
    super();
  }
  now(): Date {
    return new Date(this.time);
  }
}

const config = loadConfig({
  NODE_ENV: 'test',
  JWT_SECRET: 's'.repeat(20) + 'uniq-Q1w2E3r4T5y6',
  MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
});
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

function service(clock: Clock, settings: Config = config) {
  const configService = { get: (key: keyof Config) => settings[key] } as unknown as ConfigService<Config, true>;
  return new TokenService(new JwtService(), clock, new SigningKeys(configService), configService);
}

function b64(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('TokenService', () => {
  const clock = new FixedClock(Date.parse('2026-03-01T12:00:00Z'));
  const tokens = service(clock);

  it('signs access tokens with every claim and verifies them', async () => {
    const token = tokens.signAccess(subject);
    const claims = await tokens.verifyAccess(token);
    expect(claims).toEqual(
      expect.objectContaining({
        ...subject,
        typ: 'access',
        iss: 'twofold',
        aud: 'twofold-api',
        jti: expect.any(String),
      }),
    );
    expect((claims?.exp ?? 0) - (claims?.iat ?? 0)).toBe(15 * 60);
  });

  it('refuses a token once the injected clock passes its expiry', async () => {
    const token = tokens.signAccess(subject);
    const later = service(new FixedClock(clock.time + 15 * 60_000 + 1000));
    expect(await later.verifyAccess(token)).toBeUndefined();
  });

  it('refuses alg:none and tokens signed with another key or algorithm', async () => {
    const [header, payload] = tokens.signAccess(subject).split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(await tokens.verifyAccess(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`)).toBeUndefined();
    const hs512 = b64({ alg: 'HS512', typ: 'JWT' });
    const forged = createHmac('sha512', config.jwt.secret).update(`${hs512}.${payload}`).digest('base64url');
    expect(await tokens.verifyAccess(`${hs512}.${payload}.${forged}`)).toBeUndefined();
    const wrongKey = createHmac('sha256', 'another-secret').update(`${header}.${payload}`).digest('base64url');
    expect(await tokens.verifyAccess(`${header}.${payload}.${wrongKey}`)).toBeUndefined();
  });

  it('refuses a valid signature over a token of another type', async () => {
    const jwt = new JwtService();
    const now = Math.floor(clock.time / 1000);
    const mfa = jwt.sign(
      { ...subject, typ: 'mfa', iat: now, exp: now + 300, iss: 'twofold', aud: 'twofold-api' },
      { secret: config.jwt.secret, algorithm: 'HS256' },
    );
    expect(await tokens.verifyAccess(mfa)).toBeUndefined();
  });

  describe('claims signed with the real key but not of our exact shape', () => {
    const now = Math.floor(clock.time / 1000);
    const access = {
      ...subject,
      typ: 'access',
      jti: 'a3bb189e-8bf9-4888-9912-ace4e6543002',
      iat: now,
      exp: now + 900,
      iss: 'twofold',
      aud: 'twofold-api',
    };
    const mfa = {
      sub: USER_ID,
      typ: 'mfa',
      jti: '9b2d5c1e-7f3a-4e6b-8c0d-1e2f3a4b5c6d',
      amr: ['pwd'],
      iat: now,
      exp: now + 300,
      iss: 'twofold',
      aud: 'twofold-api',
    };
    // By hand: the JWT library would refuse to sign some of these, or add an `iat` of its own.
    const signed = (claims: object) => {
      const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
      return `${unsigned}.${createHmac('sha256', config.jwt.secret).update(unsigned).digest('base64url')}`;
    };
    const without = (claims: Record<string, unknown>, name: string) =>
      Object.fromEntries(Object.entries(claims).filter(([key]) => key !== name));

    it('accepts the well-formed claims these cases start from', async () => {
      expect(await tokens.verifyAccess(signed(access))).toEqual(expect.objectContaining({ sid: SESSION_ID }));
      expect(await tokens.verifyMfa(signed(mfa))).toEqual(expect.objectContaining({ firstFactor: 'pwd' }));
    });

    it.each(['exp', 'iat', 'sub', 'sid', 'jti', 'typ', 'aal', 'amr', 'scope', 'roles', 'iss', 'aud'])(
      'refuses an access token without %s',
      async (name) => {
        expect(await tokens.verifyAccess(signed(without(access, name)))).toBeUndefined();
      },
    );

    it.each(['exp', 'iat', 'sub', 'jti', 'typ', 'amr'])('refuses an MFA token without %s', async (name) => {
      expect(await tokens.verifyMfa(signed(without(mfa, name)))).toBeUndefined();
    });

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
      expect(await tokens.verifyAccess(signed({ ...access, ...change }))).toBeUndefined();
    });

    it.each([
      ['a sub that is not a UUID', { sub: 'user-1' }],
      ['a challenge id that is not a UUID', { jti: 'challenge' }],
      ['an unknown first factor', { amr: ['otp'] }],
      ['two first factors', { amr: ['pwd', 'email'] }],
    ])('refuses an MFA token with %s', async (_case, change) => {
      expect(await tokens.verifyMfa(signed({ ...mfa, ...change }))).toBeUndefined();
    });

    it('refuses iat and nbf in the future beyond the leeway, on the injected clock', async () => {
      const ahead = now + CLOCK_LEEWAY_SECONDS;
      expect(await tokens.verifyAccess(signed({ ...access, iat: ahead }))).toBeDefined();
      expect(await tokens.verifyAccess(signed({ ...access, iat: ahead + 1 }))).toBeUndefined();
      expect(await tokens.verifyAccess(signed({ ...access, iat: now + 86_400, exp: now + 87_300 }))).toBeUndefined();
      expect(await tokens.verifyAccess(signed({ ...access, nbf: ahead }))).toBeDefined();
      expect(await tokens.verifyAccess(signed({ ...access, nbf: ahead + 1 }))).toBeUndefined();
      expect(await tokens.verifyAccess(signed({ ...access, nbf: 'now' }))).toBeUndefined();
      expect(await tokens.verifyMfa(signed({ ...mfa, iat: ahead + 1 }))).toBeUndefined();
      const later = service(new FixedClock(clock.time + 86_400_000));
      expect(await later.verifyAccess(signed({ ...access, iat: now + 86_400, exp: now + 87_300 }))).toBeDefined();
    });
  });

  it('signs ES256 with JWT_PRIVATE_KEY, names the key, and refuses HS256 tokens then', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const es256 = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: config.jwt.secret,
      MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
      JWT_PRIVATE_KEY: pem,
    });
    const asymmetric = service(clock, es256);
    const token = asymmetric.signAccess(subject);
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    expect(await asymmetric.verifyAccess(token)).toEqual(expect.objectContaining({ sub: USER_ID }));
    expect(await asymmetric.verifyAccess(tokens.signAccess(subject))).toBeUndefined();
    expect(await tokens.verifyAccess(token)).toBeUndefined();
    const jwk = new SigningKeys({ get: () => es256.jwt } as unknown as ConfigService<Config, true>).publicJwk;
    expect(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ format: 'jwk' })).toEqual(
      expect.objectContaining({ kty: 'EC', crv: 'P-256' }),
    );
  });

  it('refuses a JWT_PRIVATE_KEY that is not an EC P-256 key', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        JWT_SECRET: config.jwt.secret,
        MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
        JWT_PRIVATE_KEY: 'nope',
      }),
    ).toThrow(/JWT_PRIVATE_KEY: must be a PEM EC P-256 private key/);
  });
});
