import { CanActivate, ExecutionContext, Injectable, NotFoundException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import type { AuthUser } from '../common/auth/auth-user';
import { FeatureFlagService } from './feature-flag.service';
import { FlagKey } from './flags';

/** Metadata under which `@RequireFlag` names the route's flag. */
export const REQUIRED_FLAG_KEY = 'requiredFlag';

/** Answers 404 while the route's `@RequireFlag` flag is off for the caller. */
@Injectable()
export class RequireFlagGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly flags: FeatureFlagService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const key = this.reflector.getAllAndOverride<FlagKey | undefined>(REQUIRED_FLAG_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!key) return true;
    const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
    const subject = user ? { id: user.userId, roles: user.roles } : undefined;
    if (!(await this.flags.isEnabled(key, subject))) throw new NotFoundException('Not found');
    return true;
  }
}
