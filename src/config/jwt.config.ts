import { createPrivateKey } from 'node:crypto';
import { AppConfig } from './app.config';
import { devSecret, generateJwtSecret } from './dev-secrets';
import { EnvReader } from './env-reader';

export interface JwtConfig {
  secret: string;
  /** PEM EC P-256 private key for ES256 signing; unset means HS256 with `secret`. */
  privateKey: string | undefined;
  issuer: string;
  audience: string;
  accessTtlMs: number;
  refreshTtlMs: number;
  refreshReuseGraceSeconds: number;
}

function isP256PrivateKey(pem: string): boolean {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  } catch {
    return false;
  }
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
  const privateKey = env.raw('JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n');
  if (privateKey !== undefined && !isP256PrivateKey(privateKey)) {
    env.fail('JWT_PRIVATE_KEY', 'must be a PEM EC P-256 private key (for ES256)');
  }
  return {
    secret: secret ?? '',
    privateKey,
    issuer: env.string('JWT_ISSUER', 'twofold'),
    audience: env.string('JWT_AUDIENCE', 'twofold-api'),
    accessTtlMs: env.durationMs('JWT_ACCESS_TTL', '15m'),
    refreshTtlMs: env.durationMs('JWT_REFRESH_TTL', '7d'),
    refreshReuseGraceSeconds: env.int('REFRESH_REUSE_GRACE_SECONDS', 10, 0, 120),
  };
}
