import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthUser } from '../../common/auth/auth-user';
import { AdminOnly, AllowScope, Roles } from '../../common/decorators/auth.decorators';
import { Public } from '../../common/decorators/public.decorator';
import { Config } from '../../config/configuration';
import { SecurityConfig } from '../../config/security.config';
import { AuthorizationGuard } from './authorization.guard';

/** Routes as controllers declare them; the guard reads the same metadata from them. */
class Routes {
  plain(): void {}
  @AllowScope('password_change')
  me(): void {}
  @Roles('admin')
  adminRole(): void {}
  @AdminOnly()
  admin(): void {}
  @Public()
  open(): void {}
}

@AllowScope('mfa_enrollment')
class EnrollmentRoutes {
  setup(): void {}
}

const user = (overrides: Partial<AuthUser> = {}): AuthUser => ({
  userId: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  sessionId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
  aal: 'aal1',
  amr: ['pwd'],
  scope: 'full',
  roles: ['user'],
  ...overrides,
});
const admin = (aal: AuthUser['aal']) => user({ aal, roles: ['user', 'admin'] });

function guardWith(adminRequireMfa: boolean) {
  const security = { adminRequireMfa } as SecurityConfig;
  const config = { get: jest.fn(() => security) } as unknown as jest.Mocked<ConfigService<Config, true>>;
  return { guard: new AuthorizationGuard(new Reflector(), config), config };
}

function contextFor<T extends object>(
  controller: new () => T,
  handler: keyof T,
  caller?: AuthUser,
): jest.Mocked<ExecutionContext> {
  return {
    getHandler: jest.fn(() => controller.prototype[handler]),
    getClass: jest.fn(() => controller),
    switchToHttp: jest.fn(() => ({ getRequest: () => ({ user: caller }) })),
  } as unknown as jest.Mocked<ExecutionContext>;
}

const refusal = (guard: AuthorizationGuard, context: ExecutionContext) => {
  try {
    guard.canActivate(context);
  } catch (error) {
    return error instanceof ForbiddenException ? error.message : error;
  }
  return undefined;
};

describe('AuthorizationGuard', () => {
  const { guard, config } = guardWith(true);

  it('lets a public route through without a caller', () => {
    expect(guard.canActivate(contextFor(Routes, 'open'))).toBe(true);
  });

  it('opens a route to full tokens only, unless it allows the restricted scope', () => {
    expect(guard.canActivate(contextFor(Routes, 'plain', user()))).toBe(true);
    const passwordChange = user({ scope: 'password_change' });
    expect(refusal(guard, contextFor(Routes, 'plain', passwordChange))).toBe(
      'This route is not open to a password_change token',
    );
    expect(guard.canActivate(contextFor(Routes, 'me', passwordChange))).toBe(true);
    expect(refusal(guard, contextFor(Routes, 'me', user({ scope: 'mfa_enrollment' })))).toBe(
      'This route is not open to a mfa_enrollment token',
    );
  });

  it('reads an allowed scope from the controller class too', () => {
    expect(guard.canActivate(contextFor(EnrollmentRoutes, 'setup', user({ scope: 'mfa_enrollment' })))).toBe(true);
    expect(refusal(guard, contextFor(EnrollmentRoutes, 'setup', user({ scope: 'password_change' })))).toBe(
      'This route is not open to a password_change token',
    );
  });

  it('needs one of the roles a route names', () => {
    expect(refusal(guard, contextFor(Routes, 'adminRole', user()))).toBe('Not allowed');
    expect(guard.canActivate(contextFor(Routes, 'adminRole', admin('aal1')))).toBe(true);
  });

  it('opens an admin route to an admin at aal2 only, and tells a non-admin no more than "Not allowed"', () => {
    expect(guard.canActivate(contextFor(Routes, 'admin', admin('aal2')))).toBe(true);
    expect(refusal(guard, contextFor(Routes, 'admin', admin('aal1')))).toBe(
      'This route needs a session signed in with two-factor authentication',
    );
    expect(refusal(guard, contextFor(Routes, 'admin', user({ aal: 'aal1' })))).toBe('Not allowed');
    expect(refusal(guard, contextFor(Routes, 'admin', user({ aal: 'aal2' })))).toBe('Not allowed');
    expect(refusal(guard, contextFor(Routes, 'admin', { ...admin('aal2'), scope: 'password_change' }))).toBe(
      'This route is not open to a password_change token',
    );
  });

  it('lets an admin in at aal1 with ADMIN_REQUIRE_MFA=false, reading it only where aal2 is required', () => {
    const off = guardWith(false);
    expect(off.guard.canActivate(contextFor(Routes, 'admin', admin('aal1')))).toBe(true);
    expect(off.config.get).toHaveBeenCalledWith('security', { infer: true });
    expect(refusal(off.guard, contextFor(Routes, 'admin', user()))).toBe('Not allowed');
    config.get.mockClear();
    expect(guard.canActivate(contextFor(Routes, 'plain', user()))).toBe(true);
    expect(config.get).not.toHaveBeenCalled();
  });
});
