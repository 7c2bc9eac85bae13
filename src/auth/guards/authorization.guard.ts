import { CanActivate, ExecutionContext, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { AuthUser } from '../../common/auth/auth-user';
import { Config } from '../../config/configuration';
import { FeatureFlagService } from '../../feature-flags/feature-flag.service';
import { FlagKey } from '../../feature-flags/flags';
import { routeRules } from './route-rules';

/**
 * What an authenticated caller may do, after JwtAuthGuard: the token's scope (`@AllowScope`, else `full`
 * only), the roles (`@Roles`), then the assurance level (`@RequireAal2`, within `@AdminOnly`), so a caller
 * without the role is not told to sign in with a second factor first; last the route's feature flag
 * (`@RequireFlag`: 404 while it is off, for public routes too). Controllers never re-check.
 */
/** The `amr` values of a second factor given at this sign-in (`device` stands in for one, and doesn't count here). */
const SECOND_FACTORS = new Set(['otp', 'backup_code', 'hwk']);

@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: ConfigService<Config, true>,
    private readonly flags: FeatureFlagService,
  ) {}

  /** Synchronous unless the route names a feature flag (the flag may need a database read). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rules = routeRules(this.reflector, context);
    if (rules.isPublic) return rules.flag ? this.switchedOn(rules.flag) : true;
    const { user } = context.switchToHttp().getRequest<FastifyRequest & { user: AuthUser }>();
    if (!rules.scopes.includes(user.scope)) {
      throw new ForbiddenException(`This route is not open to a ${user.scope} token`);
    }
    if (rules.roles && !rules.roles.some((role) => user.roles.includes(role))) {
      throw new ForbiddenException('Not allowed');
    }
    // A remembered device made the session aal2 without a second factor of this sign-in: not enough here.
    if (
      rules.aal2 &&
      (user.aal !== 'aal2' || !user.amr.some((method) => SECOND_FACTORS.has(method))) &&
      this.config.get('security', { infer: true })[rules.aal2]
    ) {
      throw new ForbiddenException('This route needs a session signed in with two-factor authentication');
    }
    return rules.flag ? this.targets(rules.flag, user) : true;
  }

  private async switchedOn(flag: FlagKey): Promise<boolean> {
    if (!(await this.flags.isSwitchedOn(flag))) throw new NotFoundException('Not found');
    return true;
  }

  private async targets(flag: FlagKey, user: AuthUser): Promise<boolean> {
    if (!(await this.flags.isEnabled(flag, { id: user.userId, roles: user.roles }))) {
      throw new NotFoundException('Not found');
    }
    return true;
  }
}
