import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHmac, createPublicKey, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { Config, loadConfig } from '../config/configuration';
import { SigningKeys } from './signing-keys';
import { AccessSubject, TokenService } from './token.service';

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
const subject: AccessSubject = {
  sub: 'user-1',
  sid: 'session-1',
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

  it('makes 256-bit refresh tokens with a stable, unguessable successor', () => {
    const first = tokens.newRefreshToken();
    expect(Buffer.from(first, 'base64url')).toHaveLength(32);
    expect(tokens.newRefreshToken()).not.toBe(first);
    expect(tokens.successorOf(first)).toBe(tokens.successorOf(first));
    expect(tokens.successorOf(first)).not.toBe(first);
    expect(tokens.hashRefreshToken(first)).toMatch(/^[0-9a-f]{64}$/);
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
    expect(await asymmetric.verifyAccess(token)).toEqual(expect.objectContaining({ sub: 'user-1' }));
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
