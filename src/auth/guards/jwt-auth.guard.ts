import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AuthUser } from '../../common/auth/auth-user';
import { csrfSatisfied } from '../auth-cookies';
import { bearerToken, cookieToken } from './access-token.extractor';
import { JwtStrategy } from './jwt.strategy';
import { routeRules } from './route-rules';

/** The callbacks passport gives a strategy for one attempt (see passport's `authenticate` middleware). */
interface Attempt {
  success(user: AuthUser): void;
  fail(): void;
  error(error: unknown): void;
  authenticate(request: FastifyRequest, options: object): void;
}

/**
 * Deny by default: every route needs a valid access token and a live session (JwtStrategy) unless it is
 * `@Public()`. What the caller may then do is AuthorizationGuard's.
 *
 * It runs JwtStrategy as passport's `authenticate` middleware does (a per-attempt object over the
 * strategy with `success`, `fail` and `error`), without the middleware itself: that added
 * `login`/`logout`/`isAuthenticated` and session properties to every request object, which cost about
 * a tenth of an authenticated request's CPU in garbage collection, for sessions this service does not use.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
  ) {}

  /** A plain `true` for a public route: Nest awaits only a guard's promise. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    if (routeRules(this.reflector, context).isPublic) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>();
    // The browser sends the cookie with a forged cross-site request too: the CSRF header is checked first,
    // whatever the cookie holds.
    if (!bearerToken(request)) {
      if (!cookieToken(request)) throw new UnauthorizedException('Authentication required');
      if (!csrfSatisfied(request)) throw new ForbiddenException('Missing or wrong X-CSRF-Token header');
    }
    return this.authenticate(request).then((user) => {
      request.user = user;
      return true;
    });
  }

  /**
   * The caller, or 401 'Invalid or expired access token'; JwtStrategy's own 401 for an ended session, and
   * an outage (which the exception filter answers with 503), pass through as they are.
   */
  private authenticate(request: FastifyRequest): Promise<AuthUser> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as Attempt;
      attempt.success = resolve;
      attempt.fail = () => reject(new UnauthorizedException('Invalid or expired access token'));
      attempt.error = reject;
      try {
        attempt.authenticate(request, {});
      } catch {
        // jsonwebtoken reads a verified payload's claims without a null check: a signed `null` throws here.
        attempt.fail();
      }
    });
  }
}
