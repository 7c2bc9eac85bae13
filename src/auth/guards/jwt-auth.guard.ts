import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { FastifyRequest } from 'fastify';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator';
import { csrfSatisfied } from '../auth-cookies';
import { bearerToken, cookieToken } from './access-token.extractor';

/**
 * Deny by default: every route needs a valid access token and a live session (JwtStrategy) unless it is
 * `@Public()`. What the caller may then do is AuthorizationGuard's.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    // The browser sends the cookie with a forged cross-site request too: the CSRF header is checked first,
    // whatever the cookie holds.
    if (!bearerToken(request)) {
      if (!cookieToken(request)) throw new UnauthorizedException('Authentication required');
      if (!csrfSatisfied(request)) throw new ForbiddenException('Missing or wrong X-CSRF-Token header');
    }
    return (await super.canActivate(context)) as boolean;
  }

  /** `error` is JwtStrategy's 401 for an ended session, or an outage the exception filter answers with 503. */
  override handleRequest<TUser>(error: Error | null, user: TUser | false | null): TUser {
    if (error) throw error;
    if (!user) throw new UnauthorizedException('Invalid or expired access token');
    return user;
  }
}
