import { AppConfig } from './app.config';
import { EnvReader } from './env-reader';

export const SAME_SITE_VALUES = ['lax', 'strict', 'none'] as const;
export const EMAIL_VERIFICATION_MODES = ['off', 'optional', 'required'] as const;

export interface SecurityConfig {
  bcryptCost: number;
  /** Password hashes waiting for a core beyond this get 503; one hash per core runs at a time. */
  bcryptQueueLimit: number;
  passwordMinLength: number;
  passwordRequireClasses: boolean;
  passwordHistoryCount: number;
  passwordMaxAgeDays: number;
  maxFailedLoginAttempts: number;
  lockoutDurationMinutes: number;
  sessionTimeoutMinutes: number;
  sessionAbsoluteTimeoutHours: number;
  maxConcurrentSessions: number;
  cookieSecure: boolean;
  cookieSameSite: (typeof SAME_SITE_VALUES)[number];
  emailVerification: (typeof EMAIL_VERIFICATION_MODES)[number];
  magicLinkTtlMinutes: number;
  passwordResetTtlMinutes: number;
  adminRequireMfa: boolean;
  /** How long a remembered device skips the second factor; 0 turns remembering off. */
  trustedDeviceDays: number;
  /** Mail the user when a sign-in comes from a device without a device token. */
  newDeviceMail: boolean;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}

export function readSecurityConfig(env: EnvReader, app: AppConfig): SecurityConfig {
  const production = app.nodeEnv === 'production';
  const cookieSecure = env.bool('COOKIE_SECURE', production);
  if (production && !cookieSecure) env.fail('COOKIE_SECURE', 'must be true in production');
  return {
    bcryptCost: env.int('BCRYPT_COST', 12, 4, 15),
    bcryptQueueLimit: env.int('BCRYPT_QUEUE_LIMIT', 64, 0, 10_000),
    passwordMinLength: env.int('PASSWORD_MIN_LENGTH', 8, 6, 128),
    passwordRequireClasses: env.bool('PASSWORD_REQUIRE_CLASSES', true),
    passwordHistoryCount: env.int('PASSWORD_HISTORY_COUNT', 5, 0, 50),
    passwordMaxAgeDays: env.int('PASSWORD_MAX_AGE_DAYS', 90, 0, 3650),
    maxFailedLoginAttempts: env.int('MAX_FAILED_LOGIN_ATTEMPTS', 5, 1, 100),
    lockoutDurationMinutes: env.int('ACCOUNT_LOCKOUT_DURATION_MINUTES', 30, 1, 10_080),
    sessionTimeoutMinutes: env.int('SESSION_TIMEOUT_MINUTES', 20, 1, 10_080),
    sessionAbsoluteTimeoutHours: env.int('SESSION_ABSOLUTE_TIMEOUT_HOURS', 12, 1, 8_760),
    maxConcurrentSessions: env.int('MAX_CONCURRENT_SESSIONS', 2, 1, 100),
    cookieSecure,
    cookieSameSite: env.oneOf('COOKIE_SAMESITE', SAME_SITE_VALUES, 'lax'),
    emailVerification: env.oneOf('EMAIL_VERIFICATION', EMAIL_VERIFICATION_MODES, 'optional'),
    magicLinkTtlMinutes: env.int('MAGIC_LINK_TTL_MINUTES', 15, 1, 1440),
    passwordResetTtlMinutes: env.int('PASSWORD_RESET_TTL_MINUTES', 30, 1, 1440),
    adminRequireMfa: env.bool('ADMIN_REQUIRE_MFA', true),
    trustedDeviceDays: env.int('TRUSTED_DEVICE_DAYS', 30, 0, 365),
    newDeviceMail: env.bool('NEW_DEVICE_MAIL', true),
    adminEmail: env.raw('ADMIN_EMAIL'),
    adminPassword: env.raw('ADMIN_PASSWORD'),
  };
}
