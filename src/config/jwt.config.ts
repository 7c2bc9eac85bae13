import { AppConfig } from './app.config';
import { devSecret, generateJwtSecret } from './dev-secrets';
import { EnvReader } from './env-reader';

export interface JwtConfig {
  secret: string;
  /** PEM private key (EC P-256 or Ed25519) for asymmetric signing; unset means HS256 with `secret`. */
  privateKey: string | undefined;
  issuer: string;
  audience: string;
  accessTtlMs: number;
  refreshTtlMs: number;
  refreshReuseGraceSeconds: number;
}

const PLACEHOLDER = /change[-_ ]?me|changeme|placeholder|example|your[-_ ]?secret|^secret$|^(.)\1+$/i;

export function readJwtConfig(env: EnvReader, app: AppConfig): JwtConfig {
  let secret = env.raw('JWT_SECRET');
  if (app.nodeEnv === 'production') {
    if (secret === undefined) env.fail('JWT_SECRET', 'is required in production');
    else if (secret.length < 32) env.fail('JWT_SECRET', 'must be at least 32 characters');
    else if (PLACEHOLDER.test(secret)) env.fail('JWT_SECRET', 'is a placeholder; generate a random secret');
  } else if (secret === undefined) {
    secret = devSecret(app.dataDir, 'jwt-secret', generateJwtSecret);
  } else if (secret.length < 32) {
    env.fail('JWT_SECRET', 'must be at least 32 characters');
  }
  return {
    secret: secret ?? '',
    privateKey: env.raw('JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n'),
    issuer: env.string('JWT_ISSUER', 'twofold'),
    audience: env.string('JWT_AUDIENCE', 'twofold-api'),
    accessTtlMs: env.durationMs('JWT_ACCESS_TTL', '15m'),
    refreshTtlMs: env.durationMs('JWT_REFRESH_TTL', '7d'),
    refreshReuseGraceSeconds: env.int('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 120),
  };
}
