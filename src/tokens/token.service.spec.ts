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
const CHALLENGE_ID = '9b2d5c1e-7f3a-4e6b-8c0d-1e2f3a4b5c6d';
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

/** A token's claims, read without verifying: what the service put in. */
function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, any>;
}

describe('TokenService', () => {
  const clock = new FixedClock(Date.parse('2026-03-01T12:00:00Z'));
  const tokens = service(clock);

  // Access tokens are verified by JwtStrategy: src/auth/guards/jwt.strategy.spec.ts.
  it('signs access tokens with every claim, valid for 15 minutes', () => {
    const claims = claimsOf(tokens.signAccess(subject));
    expect(claims).toEqual(
      expect.objectContaining({
        ...subject,
        typ: 'access',
        iss: 'twofold',
        aud: 'twofold-api',
        jti: expect.any(String),
        iat: Math.floor(clock.time / 1000),
      }),
    );
    expect(claims.exp - claims.iat).toBe(15 * 60);
  });

  it('verifies the MFA tokens it signs until the injected clock passes their expiry', async () => {
    const token = tokens.signMfa(USER_ID, CHALLENGE_ID, 'email');
    expect(await tokens.verifyMfa(token)).toEqual(
      expect.objectContaining({ sub: USER_ID, jti: CHALLENGE_ID, firstFactor: 'email' }),
    );
    expect(await service(new FixedClock(clock.time + 299_000)).verifyMfa(token)).toBeDefined();
    expect(await service(new FixedClock(clock.time + 300_000)).verifyMfa(token)).toBeUndefined();
  });

  it('refuses MFA tokens with alg:none or signed with another key or algorithm', async () => {
    const [header, payload] = tokens.signMfa(USER_ID, CHALLENGE_ID, 'pwd').split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(await tokens.verifyMfa(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`)).toBeUndefined();
    const hs512 = b64({ alg: 'HS512', typ: 'JWT' });
    const forged = createHmac('sha512', config.jwt.secret).update(`${hs512}.${payload}`).digest('base64url');
    expect(await tokens.verifyMfa(`${hs512}.${payload}.${forged}`)).toBeUndefined();
    const wrongKey = createHmac('sha256', 'another-secret').update(`${header}.${payload}`).digest('base64url');
    expect(await tokens.verifyMfa(`${header}.${payload}.${wrongKey}`)).toBeUndefined();
  });

  it('refuses an access token as an MFA token', async () => {
    expect(await tokens.verifyMfa(tokens.signAccess(subject))).toBeUndefined();
  });

  describe('MFA claims signed with the real key but not of our exact shape', () => {
    const now = Math.floor(clock.time / 1000);
    const mfa = {
      sub: USER_ID,
      typ: 'mfa',
      jti: CHALLENGE_ID,
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
      expect(await tokens.verifyMfa(signed(mfa))).toEqual(expect.objectContaining({ firstFactor: 'pwd' }));
    });

    it.each(['exp', 'iat', 'sub', 'jti', 'typ', 'amr', 'iss', 'aud'])(
      'refuses an MFA token without %s',
      async (name) => {
        expect(await tokens.verifyMfa(signed(without(mfa, name)))).toBeUndefined();
      },
    );

    it.each([
      ['a sub that is not a UUID', { sub: 'user-1' }],
      ['a challenge id that is not a UUID', { jti: 'challenge' }],
      ['an unknown first factor', { amr: ['otp'] }],
      ['two first factors', { amr: ['pwd', 'email'] }],
    ])('refuses an MFA token with %s', async (_case, change) => {
      expect(await tokens.verifyMfa(signed({ ...mfa, ...change }))).toBeUndefined();
    });

    it('refuses an MFA token issued in the future beyond the leeway', async () => {
      expect(await tokens.verifyMfa(signed({ ...mfa, iat: now + CLOCK_LEEWAY_SECONDS }))).toBeDefined();
      expect(await tokens.verifyMfa(signed({ ...mfa, iat: now + CLOCK_LEEWAY_SECONDS + 1 }))).toBeUndefined();
    });
  });

  it('signs ES256 with JWT_PRIVATE_KEY, names the key, and refuses HS256 MFA tokens then', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const es256 = loadConfig({
      NODE_ENV: 'test',
      JWT_SECRET: config.jwt.secret,
      MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
      JWT_PRIVATE_KEY: pem,
    });
    const asymmetric = service(clock, es256);
    const header = JSON.parse(Buffer.from(asymmetric.signAccess(subject).split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: expect.any(String) });
    const token = asymmetric.signMfa(USER_ID, CHALLENGE_ID, 'pwd');
    expect(await asymmetric.verifyMfa(token)).toEqual(expect.objectContaining({ sub: USER_ID }));
    expect(await asymmetric.verifyMfa(tokens.signMfa(USER_ID, CHALLENGE_ID, 'pwd'))).toBeUndefined();
    expect(await tokens.verifyMfa(token)).toBeUndefined();
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
