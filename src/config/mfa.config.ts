import { AppConfig } from './app.config';
import { devSecret, generateEncryptionKey } from './dev-secrets';
import { EnvReader } from './env-reader';

export const MFA_ENROLLMENT_MODES = ['none', 'recommended', 'required'] as const;
export type MfaEnrollmentMode = (typeof MFA_ENROLLMENT_MODES)[number];

export interface MfaConfig {
  /** Current AES-256-GCM key (32 bytes, hex). */
  encryptionKey: string;
  /** Older keys that still decrypt secrets written before a rotation. */
  oldEncryptionKeys: string[];
  issuer: string;
  enrollment: MfaEnrollmentMode;
  enforcementGraceDays: number;
  webauthn: WebauthnConfig;
}

/** The relying party passkeys are bound to: the browser signs for `rpId`, from one of `origins`. */
export interface WebauthnConfig {
  rpId: string;
  rpName: string;
  /** Exact origins (`scheme://host[:port]`) a ceremony may come from. */
  origins: string[];
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** 32 random bytes have about 30 distinct values; fewer than 16 happens by chance about once in 10^15. */
const MIN_DISTINCT_BYTES = 16;

/**
 * A key nobody drew at random: few distinct bytes (64 zeros, `ab` x 32, `deadbeef` x 8), a block repeated
 * to fill it, or a counting sequence (00 01 02 ...). Real keys come from `openssl rand -hex 32`.
 */
export function isPlaceholderKey(hex: string): boolean {
  const bytes = [...Buffer.from(hex, 'hex')];
  if (new Set(bytes).size < MIN_DISTINCT_BYTES) return true;
  for (let period = 1; period <= bytes.length / 2; period++) {
    if (bytes.every((byte, index) => byte === bytes[index % period])) return true;
  }
  const step = (bytes[1] - bytes[0] + 256) % 256;
  return bytes.every((byte, index) => index === 0 || (byte - bytes[index - 1] + 256) % 256 === step);
}

export function readMfaConfig(env: EnvReader, app: AppConfig): MfaConfig {
  let key = env.raw('MFA_ENCRYPTION_KEY');
  if (key === undefined && app.nodeEnv !== 'production') {
    key = devSecret(app.dataDir, 'mfa-encryption-key', generateEncryptionKey);
  }
  if (key === undefined) env.fail('MFA_ENCRYPTION_KEY', 'is required in production (32-byte hex)');
  else if (!HEX_KEY.test(key)) env.fail('MFA_ENCRYPTION_KEY', 'must be 32 bytes written as 64 hex characters');
  else if (app.nodeEnv === 'production' && isPlaceholderKey(key)) {
    env.fail(
      'MFA_ENCRYPTION_KEY',
      'is a placeholder (a pattern, not random bytes); generate one with openssl rand -hex 32',
    );
  }
  const oldKeys = env.list('MFA_ENCRYPTION_KEYS_OLD');
  if (oldKeys.some((old) => !HEX_KEY.test(old))) {
    env.fail('MFA_ENCRYPTION_KEYS_OLD', 'must be a comma-separated list of 64-hex-character keys');
  }
  const issuer = env.string('MFA_ISSUER', 'Twofold');
  return {
    encryptionKey: key ?? '',
    oldEncryptionKeys: oldKeys,
    issuer,
    enrollment: env.oneOf('MFA_ENROLLMENT', MFA_ENROLLMENT_MODES, 'none'),
    enforcementGraceDays: env.int('MFA_ENFORCEMENT_GRACE_DAYS', 7, 0, 365),
    webauthn: readWebauthnConfig(env, app, issuer),
  };
}

/** A host name as a WebAuthn RP ID: lowercase labels, no scheme, port or path. */
const RP_ID = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

function readWebauthnConfig(env: EnvReader, app: AppConfig, issuer: string): WebauthnConfig {
  const publicUrl = new URL(app.publicUrl);
  const rpId = env.string('WEBAUTHN_RP_ID', publicUrl.hostname).toLowerCase();
  if (!RP_ID.test(rpId)) env.fail('WEBAUTHN_RP_ID', 'must be a host name such as auth.example.com (no scheme or port)');
  const listed = env.list('WEBAUTHN_ORIGINS');
  const origins: string[] = [];
  for (const text of listed.length > 0 ? listed : [publicUrl.origin]) {
    let origin: URL | undefined;
    try {
      origin = new URL(text);
    } catch {
      origin = undefined;
    }
    if (!origin || !['http:', 'https:'].includes(origin.protocol) || origin.origin !== text.replace(/\/+$/, '')) {
      env.fail('WEBAUTHN_ORIGINS', `must be comma-separated origins like https://app.example.com (got "${text}")`);
    } else if (origin.hostname !== rpId && !origin.hostname.endsWith(`.${rpId}`)) {
      env.fail('WEBAUTHN_ORIGINS', `${origin.origin} is not on WEBAUTHN_RP_ID ${rpId} or a subdomain of it`);
    } else {
      origins.push(origin.origin);
    }
  }
  return { rpId, rpName: env.string('WEBAUTHN_RP_NAME', issuer), origins };
}
