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
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

export function readMfaConfig(env: EnvReader, app: AppConfig): MfaConfig {
  let key = env.raw('MFA_ENCRYPTION_KEY');
  if (key === undefined && app.nodeEnv !== 'production') {
    key = devSecret(app.dataDir, 'mfa-encryption-key', generateEncryptionKey);
  }
  if (key === undefined) env.fail('MFA_ENCRYPTION_KEY', 'is required in production (32-byte hex)');
  else if (!HEX_KEY.test(key)) env.fail('MFA_ENCRYPTION_KEY', 'must be 32 bytes written as 64 hex characters');
  const oldKeys = env.list('MFA_ENCRYPTION_KEYS_OLD');
  if (oldKeys.some((old) => !HEX_KEY.test(old))) {
    env.fail('MFA_ENCRYPTION_KEYS_OLD', 'must be a comma-separated list of 64-hex-character keys');
  }
  return {
    encryptionKey: key ?? '',
    oldEncryptionKeys: oldKeys,
    issuer: env.string('MFA_ISSUER', 'Twofold'),
    enrollment: env.oneOf('MFA_ENROLLMENT', MFA_ENROLLMENT_MODES, 'none'),
    enforcementGraceDays: env.int('MFA_ENFORCEMENT_GRACE_DAYS', 7, 0, 365),
  };
}
