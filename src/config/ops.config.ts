import { validateCronExpression } from 'cron';
import { RateLimit } from './duration';
import { EnvReader } from './env-reader';

export interface RateLimitConfig {
  enabled: boolean;
  login: RateLimit;
  login2fa: RateLimit;
  register: RateLimit;
  passwordReset: RateLimit;
  refresh: RateLimit;
  mfaSetup: RateLimit;
  magicLink: RateLimit;
  emailVerify: RateLimit;
  sensitiveAction: RateLimit;
  passkey: RateLimit;
}

export interface OpsConfig {
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /** The longest one Redis command may take before rate limits fall back to this replica's memory. */
  redisCommandTimeoutMs: number;
  auditRetentionDays: number;
  cleanupCron: string;
  featurePasswordlessAuth: boolean;
  rateLimit: RateLimitConfig;
}

export function readOpsConfig(env: EnvReader): OpsConfig {
  const cleanupCron = env.string('CLEANUP_CRON', '0 * * * *');
  const cron = validateCronExpression(cleanupCron);
  if (!cron.valid)
    env.fail('CLEANUP_CRON', `must be a cron expression like "0 * * * *" (${cron.error?.message ?? 'invalid'})`);
  return {
    redisUrl: env.url('REDIS_URL', undefined, ['redis:', 'rediss:']),
    redisKeyPrefix: env.string('REDIS_KEY_PREFIX', 'twofold:'),
    redisCommandTimeoutMs: env.int('REDIS_COMMAND_TIMEOUT_MS', 250, 10, 10_000),
    auditRetentionDays: env.int('AUDIT_RETENTION_DAYS', 2555, 1, 36_500),
    cleanupCron,
    featurePasswordlessAuth: env.bool('FEATURE_PASSWORDLESS_AUTH', false),
    rateLimit: {
      enabled: env.bool('RATE_LIMIT_ENABLED', true),
      login: env.rateLimit('RATE_LIMIT_LOGIN', '5/min'),
      login2fa: env.rateLimit('RATE_LIMIT_LOGIN_2FA', '5/min'),
      register: env.rateLimit('RATE_LIMIT_REGISTER', '5/hour'),
      passwordReset: env.rateLimit('RATE_LIMIT_PASSWORD_RESET', '3/hour'),
      refresh: env.rateLimit('RATE_LIMIT_REFRESH', '10/min'),
      mfaSetup: env.rateLimit('RATE_LIMIT_MFA_SETUP', '5/hour'),
      magicLink: env.rateLimit('RATE_LIMIT_MAGIC_LINK', '5/hour'),
      emailVerify: env.rateLimit('RATE_LIMIT_EMAIL_VERIFY', '3/hour'),
      sensitiveAction: env.rateLimit('RATE_LIMIT_SENSITIVE_ACTION', '10/hour'),
      passkey: env.rateLimit('RATE_LIMIT_PASSKEY', '10/min'),
    },
  };
}
