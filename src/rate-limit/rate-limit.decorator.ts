import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { RateLimitConfig } from '../config/ops.config';

export type RateLimitName = Exclude<keyof RateLimitConfig, 'enabled'>;
export const RATE_LIMIT_KEY = 'rateLimit';

/** Applies the named limit from configuration (e.g. RATE_LIMIT_LOGIN) to this route, per client IP. */
export const RateLimit = (name: RateLimitName): MethodDecorator =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, name),
    ApiTooManyRequestsResponse({ description: 'Rate limit reached; retry after the Retry-After header (seconds)' }),
  );
