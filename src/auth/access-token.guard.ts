import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AuthUser, Role, Scope } from '../common/auth/auth-user';
import { ConfigService } from '@nestjs/config';
import { ADMIN_ROUTE_KEY, ALLOWED_SCOPES_KEY, ROLES_KEY } from '../common/decorators/auth.decorators';
import { Config } from '../config/configuration';
import { IS_PUBLIC_KEY } from '../common/decorators/public.decorator';
import { SessionException } from '../session/session.exception';
import { SessionService } from '../session/session.service';
import { ACCESS_COOKIE, csrfSatisfied } from './auth-cookies';
import { TokenService } from '../tokens/token.service';

type AuthenticatedRequest = FastifyRequest & { user?: AuthUser };

/**
 * Deny by default: every route needs a valid access token and a live session unless it is `@Public()`.
 * Routes then narrow further with `@AllowScope`, `@Roles` and `@AdminOnly` (which needs `aal2` unless
 * ADMIN_REQUIRE_MFA=false); controllers never re-check.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly config: ConfigService<Config, true>,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const bearer = this.bearerToken(request);
    const token = bearer ?? request.cookies?.[ACCESS_COOKIE];
    if (!token) throw new UnauthorizedException('Authentication required');
    if (!bearer && !csrfSatisfied(request)) throw new ForbiddenException('Missing or wrong X-CSRF-Token header');
    const claims = await this.tokens.verifyAccess(token);
    if (!claims) throw new UnauthorizedException('Invalid or expired access token');
    try {
      await this.sessions.assertActive(claims.sid, claims.sub);
    } catch (error) {
      if (error instanceof SessionException) throw new UnauthorizedException('Session expired or revoked');
      throw error;
    }
    const user: AuthUser = {
      userId: claims.sub,
      sessionId: claims.sid,
      aal: claims.aal,
      amr: claims.amr,
      scope: claims.scope,
      roles: claims.roles,
    };
    const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(ALLOWED_SCOPES_KEY, targets) ?? ['full'];
    if (!scopes.includes(user.scope)) throw new ForbiddenException(`This route is not open to a ${user.scope} token`);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.some((role) => user.roles.includes(role))) throw new ForbiddenException('Not allowed');
    if (
      this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE_KEY, targets) &&
      this.config.get('security.adminRequireMfa', { infer: true }) &&
      user.aal !== 'aal2'
    ) {
      throw new ForbiddenException('Admin routes need a session signed in with two-factor authentication');
    }
    request.user = user;
    return true;
  }

  private bearerToken(request: FastifyRequest): string | undefined {
    const header = request.headers.authorization;
    if (typeof header !== 'string') return undefined;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header);
    return match?.[1];
  }
}
