import { applyDecorators, UseGuards } from '@nestjs/common';
import { ApiErrors } from '../common/decorators/api-errors.decorator';
import { RateLimit } from '../rate-limit/rate-limit.decorator';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard';
import { ACCOUNT_LOCKED } from './lockout-api-errors';

/**
 * Marks a route whose action needs proof at the time (`ProofService`): limited per user by
 * RATE_LIMIT_SENSITIVE_ACTION (the route-level guard runs once the caller is known), and documented
 * with the lockout its failures lead to.
 */
export const RequiresProof = (): MethodDecorator =>
  applyDecorators(RateLimit('sensitiveAction'), UseGuards(RateLimitGuard), ApiErrors(ACCOUNT_LOCKED));
