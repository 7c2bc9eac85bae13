import { ExecutionContext, ForbiddenException, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { AuthUser } from '../../common/auth/auth-user';
import { AdminOnly, AllowScope, Roles } from '../../common/decorators/auth.decorators';
import { Public } from '../../common/decorators/public.decorator';
import { Config } from '../../config/configuration';
import { FeatureFlagService } from '../../feature-flags/feature-flag.service';
import { RequireFlag } from '../../feature-flags/require-flag.decorator';
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
  @Public()
  @RequireFlag('passwordless_auth')
  openFlagged(): void {}
  @RequireFlag('passwordless_auth')
  flagged(): void {}
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
const admin = (aal: AuthUser['aal'], amr = aal === 'aal2' ? ['pwd', 'otp'] : ['pwd']) =>
  user({ aal, amr, roles: ['user', 'admin'] });

function guardWith(adminRequireMfa: boolean, flag: { switchedOn: boolean; onForCaller: boolean } = ON) {
  const security = { adminRequireMfa } as SecurityConfig;
  const config = { get: jest.fn(() => security) } as unknown as jest.Mocked<ConfigService<Config, true>>;
  const flags = {
    isSwitchedOn: jest.fn(() => Promise.resolve(flag.switchedOn)),
    isEnabled: jest.fn(() => Promise.resolve(flag.onForCaller)),
  } as unknown as jest.Mocked<FeatureFlagService>;
  return { guard: new AuthorizationGuard(new Reflector(), config, flags), config, flags };
}

const ON = { switchedOn: true, onForCaller: true };

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

const refusal = async (guard: AuthorizationGuard, context: ExecutionContext) => {
  try {
    await guard.canActivate(context);
  } catch (error) {
    return error instanceof ForbiddenException || error instanceof NotFoundException ? error.message : error;
  }
  return undefined;
};

describe('AuthorizationGuard', () => {
  const { guard, config } = guardWith(true);

  it('lets a public route through without a caller', async () => {
    expect(await guard.canActivate(contextFor(Routes, 'open'))).toBe(true);
  });

  it('opens a route to full tokens only, unless it allows the restricted scope', async () => {
    expect(await guard.canActivate(contextFor(Routes, 'plain', user()))).toBe(true);
    const passwordChange = user({ scope: 'password_change' });
    expect(await refusal(guard, contextFor(Routes, 'plain', passwordChange))).toBe(
      'This route is not open to a password_change token',
    );
    expect(await guard.canActivate(contextFor(Routes, 'me', passwordChange))).toBe(true);
    expect(await refusal(guard, contextFor(Routes, 'me', user({ scope: 'mfa_enrollment' })))).toBe(
      'This route is not open to a mfa_enrollment token',
    );
  });

  it('reads an allowed scope from the controller class too', async () => {
    expect(await guard.canActivate(contextFor(EnrollmentRoutes, 'setup', user({ scope: 'mfa_enrollment' })))).toBe(
      true,
    );
    expect(await refusal(guard, contextFor(EnrollmentRoutes, 'setup', user({ scope: 'password_change' })))).toBe(
      'This route is not open to a password_change token',
    );
  });

  it('needs one of the roles a route names', async () => {
    expect(await refusal(guard, contextFor(Routes, 'adminRole', user()))).toBe('Not allowed');
    expect(await guard.canActivate(contextFor(Routes, 'adminRole', admin('aal1')))).toBe(true);
  });

  it('opens an admin route to an admin at aal2 only, and tells a non-admin no more than "Not allowed"', async () => {
    expect(await guard.canActivate(contextFor(Routes, 'admin', admin('aal2')))).toBe(true);
    expect(await refusal(guard, contextFor(Routes, 'admin', admin('aal1')))).toBe(
      'This route needs a session signed in with two-factor authentication',
    );
    for (const amr of [
      ['pwd', 'backup_code'],
      ['pwd', 'hwk'],
      ['hwk', 'user'],
    ]) {
      expect(await guard.canActivate(contextFor(Routes, 'admin', admin('aal2', amr)))).toBe(true);
    }
    // A remembered device skipped the second factor: aal2, but no second factor of this sign-in.
    expect(await refusal(guard, contextFor(Routes, 'admin', admin('aal2', ['pwd', 'device'])))).toBe(
      'This route needs a session signed in with two-factor authentication',
    );
    expect(await refusal(guard, contextFor(Routes, 'admin', user({ aal: 'aal1' })))).toBe('Not allowed');
    expect(await refusal(guard, contextFor(Routes, 'admin', user({ aal: 'aal2' })))).toBe('Not allowed');
    expect(await refusal(guard, contextFor(Routes, 'admin', { ...admin('aal2'), scope: 'password_change' }))).toBe(
      'This route is not open to a password_change token',
    );
  });

  it('lets an admin in at aal1 with ADMIN_REQUIRE_MFA=false, reading it only where aal2 is required', async () => {
    const off = guardWith(false);
    expect(await off.guard.canActivate(contextFor(Routes, 'admin', admin('aal1')))).toBe(true);
    expect(off.config.get).toHaveBeenCalledWith('security', { infer: true });
    expect(await refusal(off.guard, contextFor(Routes, 'admin', user()))).toBe('Not allowed');
    config.get.mockClear();
    expect(await guard.canActivate(contextFor(Routes, 'plain', user()))).toBe(true);
    expect(config.get).not.toHaveBeenCalled();
  });

  it('answers 404 on a public route while its flag is switched off, judging the switch alone', async () => {
    const off = guardWith(true, { switchedOn: false, onForCaller: false });
    expect(await refusal(off.guard, contextFor(Routes, 'openFlagged'))).toBe('Not found');
    const on = guardWith(true, { switchedOn: true, onForCaller: false });
    expect(await on.guard.canActivate(contextFor(Routes, 'openFlagged'))).toBe(true);
    expect(on.flags.isSwitchedOn).toHaveBeenCalledWith('passwordless_auth');
    expect(on.flags.isEnabled).not.toHaveBeenCalled();
  });

  it('answers 404 to a signed-in caller the flag does not target, asking with their id and roles', async () => {
    const caller = user({ roles: ['user', 'admin'] });
    const notTargeted = guardWith(true, { switchedOn: true, onForCaller: false });
    expect(await refusal(notTargeted.guard, contextFor(Routes, 'flagged', caller))).toBe('Not found');
    expect(notTargeted.flags.isEnabled).toHaveBeenCalledWith('passwordless_auth', {
      id: caller.userId,
      roles: caller.roles,
    });
    expect(await guard.canActivate(contextFor(Routes, 'flagged', caller))).toBe(true);
  });

  it('reads no flag for a route without @RequireFlag', async () => {
    const { guard: plain, flags } = guardWith(true);
    expect(await plain.canActivate(contextFor(Routes, 'plain', user()))).toBe(true);
    expect(await plain.canActivate(contextFor(Routes, 'open'))).toBe(true);
    expect(flags.isSwitchedOn).not.toHaveBeenCalled();
    expect(flags.isEnabled).not.toHaveBeenCalled();
  });
});
