import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { FastifyReply } from 'fastify';
import { RATE_LIMIT_KEY } from './rate-limit.decorator';

const limitedHandlers = new WeakMap<object, boolean>();

/** Whether the route names a limit (`@RateLimit`): read from its metadata once per handler. */
function isLimited(context: ExecutionContext): boolean {
  const handler = context.getHandler();
  let limited = limitedHandlers.get(handler);
  if (limited === undefined) {
    limited = Reflect.getMetadata(RATE_LIMIT_KEY, handler) !== undefined;
    limitedHandlers.set(handler, limited);
  }
  return limited;
}

/** @nestjs/throttler's guard, answering 429 with a plain `Retry-After` (seconds) for every named limit. */
@Injectable()
export class Throttling extends ThrottlerGuard {
  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    void reply.header('retry-after', String(Math.max(1, detail.timeToBlockExpire)));
    throw new ThrottlerException('Too many requests; try again later');
  }
}

/**
 * The rate limits. Every limit applies only to the routes that name it, so a route that names none is let
 * through at once, with a plain `true` (Nest awaits only a guard's promise): the throttler's own pass asks
 * each of its throttlers for skip metadata and calls its `skipIf`, which was a fifteenth of the CPU of a
 * request to such a route. (ThrottlerGuard's own `canActivate` is typed to return a promise, hence a
 * guard around it rather than a subclass.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly throttling: Throttling) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    return isLimited(context) ? this.throttling.canActivate(context) : true;
  }
}
