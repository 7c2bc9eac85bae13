import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/configuration';
import { spawnService } from './support/service-process';

const GOOD_PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none',
  JWT_SECRET: 'Zx8vQ2mN7pL4kJ9hG6fD3sA1wE5rT0yU',
  MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  COOKIE_SECURE: 'true',
  SMTP_URL: 'smtp://mail.example.test:587',
};

async function bootFails(env: Record<string, string | undefined>): Promise<string> {
  const service = spawnService(env);
  const code = await service.exited;
  expect(code).toBe(1);
  return service.output();
}

describe('configuration at boot', () => {
  it('accepts a complete production configuration', () => {
    expect(() => loadConfig(GOOD_PRODUCTION)).not.toThrow();
  });

  it.each([
    ['JWT_SECRET is missing', { JWT_SECRET: undefined }, 'JWT_SECRET: is required in production'],
    ['JWT_SECRET is short', { JWT_SECRET: 'short-secret' }, 'JWT_SECRET: must be at least 32 characters'],
    [
      'JWT_SECRET is a placeholder',
      { JWT_SECRET: 'change-me-change-me-change-me-change-me' },
      'JWT_SECRET: is a placeholder',
    ],
    [
      'MFA_ENCRYPTION_KEY is missing',
      { MFA_ENCRYPTION_KEY: undefined },
      'MFA_ENCRYPTION_KEY: is required in production',
    ],
    ['MFA_ENCRYPTION_KEY is not hex', { MFA_ENCRYPTION_KEY: 'z'.repeat(64) }, 'MFA_ENCRYPTION_KEY: must be 32 bytes'],
    ['MFA_ENCRYPTION_KEY is 64 zeros', { MFA_ENCRYPTION_KEY: '0'.repeat(64) }, 'MFA_ENCRYPTION_KEY: is a placeholder'],
    [
      'MFA_ENCRYPTION_KEY is a repeated pattern',
      { MFA_ENCRYPTION_KEY: '0f'.repeat(32) },
      'MFA_ENCRYPTION_KEY: is a placeholder',
    ],
    [
      'MFA_ENCRYPTION_KEY has few distinct bytes',
      { MFA_ENCRYPTION_KEY: '00ff'.repeat(8) + '0123456789abcdef'.repeat(2) },
      'MFA_ENCRYPTION_KEY: is a placeholder',
    ],
    ['COOKIE_SECURE is false', { COOKIE_SECURE: 'false' }, 'COOKIE_SECURE: must be true in production'],
    ['DATABASE_URL is unset', { DATABASE_URL: undefined }, 'DATABASE_URL: is required in production'],
    ['SMTP_URL is unset', { SMTP_URL: undefined }, 'SMTP_URL: is required in production'],
  ])('refuses to start in production when %s', async (_case, change, message) => {
    const output = await bootFails({ ...GOOD_PRODUCTION, ...change });
    expect(output).toContain('Invalid configuration');
    expect(output).toContain(message);
  });

  it('names every bad variable at once and never echoes a secret', async () => {
    const output = await bootFails({ ...GOOD_PRODUCTION, PORT: 'eighty', BCRYPT_COST: '99', JWT_SECRET: 'tiny' });
    expect(output).toContain('PORT: must be a whole number');
    expect(output).toContain('BCRYPT_COST: must be a whole number from 4 to 15');
    expect(output).toContain('JWT_SECRET: must be at least 32 characters');
    expect(output).not.toContain('tiny');
  });

  it('refuses placeholder MFA keys only in production, never echoing them', () => {
    const placeholders = [
      'ab'.repeat(32),
      'deadbeef'.repeat(8),
      '00112233445566778899aabbccddeeff'.repeat(2),
      Buffer.from(Array.from({ length: 32 }, (_, index) => index)).toString('hex'),
    ];
    for (const key of placeholders) {
      expect(() => loadConfig({ ...GOOD_PRODUCTION, MFA_ENCRYPTION_KEY: key })).toThrow(
        /MFA_ENCRYPTION_KEY: is a placeholder/,
      );
      expect(() => loadConfig({ ...GOOD_PRODUCTION, MFA_ENCRYPTION_KEY: key })).not.toThrow(new RegExp(key));
      expect(loadConfig({ ...GOOD_PRODUCTION, NODE_ENV: 'test', MFA_ENCRYPTION_KEY: key }).mfa.encryptionKey).toBe(key);
    }
    for (let i = 0; i < 1000; i++) {
      expect(() =>
        loadConfig({ ...GOOD_PRODUCTION, MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex') }),
      ).not.toThrow();
    }
  });

  it('rejects malformed durations and rate limits in any environment', () => {
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        JWT_SECRET: 'x'.repeat(40),
        MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
        JWT_ACCESS_TTL: '15 minutes',
        RATE_LIMIT_LOGIN: 'lots',
      }),
    ).toThrow(/JWT_ACCESS_TTL: must be a duration[\s\S]*RATE_LIMIT_LOGIN: must be a rate/);
  });
});
