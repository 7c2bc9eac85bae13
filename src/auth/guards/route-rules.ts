import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role, Scope } from '../../common/auth/auth-user';
import { Aal2Setting, ALLOWED_SCOPES_KEY, REQUIRE_AAL2_KEY, ROLES_KEY } from '../../common/decorators/auth.decorators';
import { IS_PUBLIC_KEY } from '../../common/decorators/public.decorator';
import type { FlagKey } from '../../feature-flags/flags';
import { REQUIRED_FLAG_KEY } from '../../feature-flags/require-flag.decorator';

/** What a route declares about its callers, from its handler's and controller's decorators. */
export interface RouteRules {
  isPublic: boolean;
  /** The token scopes it is open to (`full` unless `@AllowScope` adds more). */
  scopes: readonly Scope[];
  roles: readonly Role[] | undefined;
  aal2: Aal2Setting | undefined;
  flag: FlagKey | undefined;
}

const cache = new WeakMap<object, RouteRules>();

/**
 * The route's rules, read from the decorator metadata once per handler: decorators are fixed at boot,
 * and reading them on every request was a measurable share of an authenticated request's CPU.
 */
export function routeRules(reflector: Reflector, context: ExecutionContext): RouteRules {
  const handler = context.getHandler();
  const known = cache.get(handler);
  if (known) return known;
  const targets = [handler, context.getClass()];
  const rules: RouteRules = {
    isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) ?? false,
    scopes: reflector.getAllAndOverride<Scope[] | undefined>(ALLOWED_SCOPES_KEY, targets) ?? ['full'],
    roles: reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
    aal2: reflector.getAllAndOverride<Aal2Setting | undefined>(REQUIRE_AAL2_KEY, targets),
    flag: reflector.getAllAndOverride<FlagKey | undefined>(REQUIRED_FLAG_KEY, targets),
  };
  cache.set(handler, rules);
  return rules;
}
