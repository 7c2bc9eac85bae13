import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAppConfig } from './app.config';
import { ConfigValidationError, loadConfig } from './configuration';
import { readDatabaseConfig } from './database.config';
import { EnvReader } from './env-reader';
import { readJwtConfig } from './jwt.config';
import { readMailConfig } from './mail.config';
import { readMfaConfig } from './mfa.config';
import { readOpsConfig } from './ops.config';
import { readSecurityConfig } from './security.config';

const SECRETS = { JWT_SECRET: 'j'.repeat(8) + 'Q7rT0yUzX2cV5bN8mK1lP4oI6uY9', MFA_ENCRYPTION_KEY: 'c3'.repeat(32) };

describe('configuration', () => {
  it('lists every variable it reads in .env.example, and nothing else', () => {
    const env = new EnvReader({ NODE_ENV: 'test', ...SECRETS });
    const app = readAppConfig(env);
    readDatabaseConfig(env);
    readJwtConfig(env, app);
    readMfaConfig(env, app);
    readMailConfig(env, app);
    readSecurityConfig(env, app);
    readOpsConfig(env);
    const example = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
    const documented = [...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((match) => match[1]).sort();
    expect(documented).toEqual([...env.names].sort());
  });

  it('applies the documented defaults', () => {
    const config = loadConfig({ NODE_ENV: 'test', ...SECRETS });
    expect(config.app.port).toBe(3000);
    expect(config.jwt.accessTtlMs).toBe(15 * 60_000);
    expect(config.jwt.refreshTtlMs).toBe(7 * 86_400_000);
    expect(config.security).toEqual(
      expect.objectContaining({ bcryptCost: 12, maxConcurrentSessions: 2, maxFailedLoginAttempts: 5 }),
    );
    expect(config.ops.rateLimit.login).toEqual({ limit: 5, ttlMs: 60_000 });
    expect(config.ops.rateLimit.register).toEqual({ limit: 5, ttlMs: 3_600_000 });
  });

  it('collects every problem into one error', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'staging', PORT: '70000', COOKIE_SAMESITE: 'sometimes', ...SECRETS });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as ConfigValidationError).problems).toEqual([
      'NODE_ENV: must be one of development|production|test (got "staging")',
      'PORT: must be a whole number from 0 to 65535 (got "70000")',
      'COOKIE_SAMESITE: must be one of lax|strict|none (got "sometimes")',
    ]);
  });

  it('serves probes and metrics on PORT unless MANAGEMENT_PORT names another port', () => {
    const managementPort = (env: Record<string, string>) =>
      loadConfig({ NODE_ENV: 'test', ...SECRETS, ...env }).app.managementPort;
    expect(managementPort({})).toBeUndefined();
    expect(managementPort({ MANAGEMENT_PORT: '' })).toBeUndefined();
    expect(managementPort({ MANAGEMENT_PORT: '9000' })).toBe(9000);
    expect(() => managementPort({ MANAGEMENT_PORT: '3000' })).toThrow(/MANAGEMENT_PORT: must differ from PORT/);
    expect(() => managementPort({ PORT: '8080', MANAGEMENT_PORT: '8080' })).toThrow(/must differ from PORT/);
    expect(() => managementPort({ MANAGEMENT_PORT: 'metrics' })).toThrow(/MANAGEMENT_PORT: must be a whole number/);
  });

  it('refuses a CLEANUP_CRON that is not a cron expression at boot, not at the first run', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', CLEANUP_CRON: 'every hour', ...SECRETS })).toThrow(
      /CLEANUP_CRON: must be a cron expression/,
    );
    expect(loadConfig({ NODE_ENV: 'test', CLEANUP_CRON: '*/15 * * * *', ...SECRETS }).ops.cleanupCron).toBe(
      '*/15 * * * *',
    );
  });

  it('binds passkeys to the host and origin of PUBLIC_URL unless WEBAUTHN_* say otherwise', () => {
    const webauthn = (env: Record<string, string>) =>
      loadConfig({ NODE_ENV: 'test', ...SECRETS, PUBLIC_URL: 'https://auth.example.com/base', ...env }).mfa.webauthn;
    expect(webauthn({})).toEqual({
      rpId: 'auth.example.com',
      rpName: 'Twofold',
      origins: ['https://auth.example.com'],
    });
    expect(
      webauthn({
        WEBAUTHN_RP_ID: 'example.com',
        WEBAUTHN_RP_NAME: 'Example',
        WEBAUTHN_ORIGINS: 'https://example.com, https://app.example.com:8443',
      }),
    ).toEqual({
      rpId: 'example.com',
      rpName: 'Example',
      origins: ['https://example.com', 'https://app.example.com:8443'],
    });
    expect(() => webauthn({ WEBAUTHN_RP_ID: 'https://example.com' })).toThrow(/WEBAUTHN_RP_ID: must be a host name/);
    expect(() => webauthn({ WEBAUTHN_ORIGINS: 'https://example.org' })).toThrow(
      /WEBAUTHN_ORIGINS: https:\/\/example.org is not on WEBAUTHN_RP_ID auth.example.com/,
    );
    expect(() => webauthn({ WEBAUTHN_ORIGINS: 'https://auth.example.com/path' })).toThrow(
      /WEBAUTHN_ORIGINS: must be comma-separated origins/,
    );
  });
});
