import { EntityManager } from 'typeorm';
import { MfaEnrollmentMode } from '../config/mfa.config';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { UsersService } from '../users/users.service';
import { configOf } from '../../test/support/unit-mocks';
import { EnrollmentSubject, MfaEnrollmentPolicy } from './enrollment-policy';

const DAY = 86_400_000;
const GRACE_DAYS = 14;
const ENFORCED_SINCE = new Date('2026-01-01T00:00:00Z');
const GRACE_ENDS_AT = new Date(ENFORCED_SINCE.getTime() + GRACE_DAYS * DAY);
const USER_ID = '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b';

interface Setting {
  mode: MfaEnrollmentMode;
  /** Whether the `mfa_enforcement` flag targets the user. */
  enforced?: boolean;
}

function user(overrides: Partial<EnrollmentSubject> = {}): EnrollmentSubject {
  return {
    id: USER_ID,
    email: 'ada@example.com',
    roles: ['user'],
    mfaEnabled: false,
    mfaEnforcedSince: null,
    ...overrides,
  };
}

/** The policy over typed mocks: MFA_ENROLLMENT is `mode`, and enforcement, once started, started at ENFORCED_SINCE. */
function setUp({ mode, enforced = false }: Setting) {
  const manager = {} as EntityManager;
  const flags = { isEnabled: jest.fn().mockResolvedValue(enforced) } as unknown as jest.Mocked<FeatureFlagService>;
  const users = {
    startMfaEnforcement: jest.fn().mockResolvedValue(ENFORCED_SINCE),
  } as unknown as jest.Mocked<UsersService>;
  const config = configOf({ mfa: { enrollment: mode, enforcementGraceDays: GRACE_DAYS } });
  return { policy: new MfaEnrollmentPolicy(flags, users, config), flags, users, manager };
}

describe('MfaEnrollmentPolicy', () => {
  const now = new Date(ENFORCED_SINCE.getTime() + DAY);

  it('asks nothing of a user when MFA_ENROLLMENT is none', async () => {
    const { policy, manager } = setUp({ mode: 'none' });

    expect(await policy.of(user(), now, manager)).toEqual({ mfaEnrollment: 'none' });
  });

  it('recommends enrolling when MFA_ENROLLMENT is recommended', async () => {
    const { policy, manager } = setUp({ mode: 'recommended' });

    expect(await policy.of(user(), now, manager)).toEqual({ mfaEnrollment: 'recommended' });
  });

  it('requires enrolling of a user without 2FA when MFA_ENROLLMENT is required', async () => {
    const { policy, manager } = setUp({ mode: 'required' });

    expect(await policy.of(user(), now, manager)).toEqual({ mfaEnrollment: 'required' });
  });

  it('asks nothing of a user who has 2FA, even when MFA_ENROLLMENT is required', async () => {
    const { policy, manager } = setUp({ mode: 'required' });

    expect(await policy.of(user({ mfaEnabled: true }), now, manager)).toEqual({ mfaEnrollment: 'none' });
  });

  it('asks the mfa_enforcement flag about the user by id, email and roles', async () => {
    const { policy, flags, manager } = setUp({ mode: 'none' });

    await policy.of(user({ roles: ['admin'] }), now, manager);

    expect(flags.isEnabled).toHaveBeenCalledWith(
      'mfa_enforcement',
      { id: USER_ID, email: 'ada@example.com', roles: ['admin'] },
      manager,
    );
  });

  it('only recommends enrolling inside the grace period of enforcement, telling when it ends', async () => {
    const { policy, manager } = setUp({ mode: 'none', enforced: true });
    const inside = new Date(GRACE_ENDS_AT.getTime() - 1);

    expect(await policy.of(user({ mfaEnforcedSince: ENFORCED_SINCE }), inside, manager)).toEqual({
      mfaEnrollment: 'recommended',
      mfaEnrollmentGraceEndsAt: GRACE_ENDS_AT.toISOString(),
    });
  });

  it('starts the grace period at the first sign-in enforcement applies to', async () => {
    const { policy, users, manager } = setUp({ mode: 'recommended', enforced: true });

    const enrollment = await policy.of(user(), ENFORCED_SINCE, manager);

    expect(users.startMfaEnforcement).toHaveBeenCalledWith(USER_ID, ENFORCED_SINCE, manager);
    expect(enrollment.mfaEnrollmentGraceEndsAt).toBe(GRACE_ENDS_AT.toISOString());
  });

  it('does not start the grace period again for a user it already started for', async () => {
    const { policy, users, manager } = setUp({ mode: 'none', enforced: true });

    await policy.of(user({ mfaEnforcedSince: ENFORCED_SINCE }), now, manager);

    expect(users.startMfaEnforcement).not.toHaveBeenCalled();
  });

  it('requires enrolling once the grace period is over', async () => {
    const { policy, manager } = setUp({ mode: 'none', enforced: true });

    expect(await policy.of(user({ mfaEnforcedSince: ENFORCED_SINCE }), GRACE_ENDS_AT, manager)).toEqual({
      mfaEnrollment: 'required',
    });
  });
});
