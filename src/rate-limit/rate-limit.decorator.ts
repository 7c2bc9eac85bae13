import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { RateLimitConfig } from '../config/ops.config';

export type RateLimitName = Exclude<keyof RateLimitConfig, 'enabled'>;
export const RATE_LIMIT_KEY = 'rateLimit';

/** The variable that sets each limit, for the documentation of its 429. */
const VARIABLES: Record<RateLimitName, string> = {
  login: 'RATE_LIMIT_LOGIN',
  login2fa: 'RATE_LIMIT_LOGIN_2FA',
  register: 'RATE_LIMIT_REGISTER',
  passwordReset: 'RATE_LIMIT_PASSWORD_RESET',
  refresh: 'RATE_LIMIT_REFRESH',
  mfaSetup: 'RATE_LIMIT_MFA_SETUP',
  magicLink: 'RATE_LIMIT_MAGIC_LINK',
  emailVerify: 'RATE_LIMIT_EMAIL_VERIFY',
  sensitiveAction: 'RATE_LIMIT_SENSITIVE_ACTION',
  passkey: 'RATE_LIMIT_PASSKEY',
};

/** Applies the named limit from configuration (e.g. RATE_LIMIT_LOGIN) to this route, per client IP. */
export const RateLimit = (name: RateLimitName): MethodDecorator =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, name),
    ApiErrors({
      status: 429,
      description: `Over the ${VARIABLES[name]} limit; retry after \`Retry-After\` seconds`,
      retryAfter: true,
    }),
  );
