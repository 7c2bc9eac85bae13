import { CanActivate, ExecutionContext, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AuthUser, Role, Scope } from '../../common/auth/auth-user';
import { Aal2Setting, ALLOWED_SCOPES_KEY, REQUIRE_AAL2_KEY, ROLES_KEY } from '../../common/decorators/auth.decorators';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator';
import { Config } from '../../config/configuration';
import { FeatureFlagService } from '../../feature-flags/feature-flag.service';
import { FlagKey } from '../../feature-flags/flags';
import { REQUIRED_FLAG_KEY } from '../../feature-flags/require-flag.decorator';

/**
 * What an authenticated caller may do, after JwtAuthGuard: the token's scope (`@AllowScope`, else `full`
 * only), the roles (`@Roles`), then the assurance level (`@RequireAal2`, within `@AdminOnly`), so a caller
 * without the role is not told to sign in with a second factor first; last the route's feature flag
 * (`@RequireFlag`: 404 while it is off, for public routes too). Controllers never re-check.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService<Config, true>,
    private readonly flags: FeatureFlagService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const flag = this.reflector.getAllAndOverride<FlagKey | undefined>(REQUIRED_FLAG_KEY, targets);
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) {
      if (flag && !(await this.flags.isSwitchedOn(flag))) throw new NotFoundException('Not found');
      return true;
    }
    const { user } = context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>();
    const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(ALLOWED_SCOPES_KEY, targets) ?? ['full'];
    if (!scopes.includes(user.scope)) throw new ForbiddenException(`This route is not open to a ${user.scope} token`);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.some((role) => user.roles.includes(role))) throw new ForbiddenException('Not allowed');
    const aal2 = this.reflector.getAllAndOverride<Aal2Setting | undefined>(REQUIRE_AAL2_KEY, targets);
    if (aal2 && user.aal !== 'aal2' && this.config.get('security', { infer: true })[aal2]) {
      throw new ForbiddenException('This route needs a session signed in with two-factor authentication');
    }
    if (flag && !(await this.flags.isEnabled(flag, { id: user.userId, roles: user.roles }))) {
      throw new NotFoundException('Not found');
    }
    return true;
  }
}
