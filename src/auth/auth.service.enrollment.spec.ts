import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { MfaEnrollmentMode } from '../config/mfa.config';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { SessionEntity } from '../session/session.entity';
import { SessionService } from '../session/session.service';
import { authServiceWith } from '../../test/support/auth-service-mocks';
import { RefreshTokenRepository } from '../session/refresh-token.repository';
import { TokenService } from '../tokens/token.service';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';

const DAY = 86_400_000;
const GRACE_DAYS = 14;
const ENFORCED_SINCE = new Date('2026-01-01T00:00:00Z');
const GRACE_ENDS_AT = new Date(ENFORCED_SINCE.getTime() + GRACE_DAYS * DAY);

interface Setting {
  mode: MfaEnrollmentMode;
  /** Whether the `mfa_enforcement` flag targets the user. */
  enforced?: boolean;
  now: Date;
}

function user(overrides: Partial<UserEntity> = {}): UserEntity {
  return Object.assign(new UserEntity(), {
    id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
    email: 'ada@example.com',
    roles: ['user'],
    mfaEnabled: false,
    mfaEnforcedSince: null,
    mustChangePassword: false,
    passwordChangedAt: ENFORCED_SINCE,
    ...overrides,
  });
}

/** An AuthService whose collaborators are typed mocks; only what a password sign-in without 2FA touches. */
function setUp({ mode, enforced = false, now }: Setting) {
  const manager = {} as EntityManager;
  const settings: Record<string, unknown> = {
    'mfa.enrollment': mode,
    'mfa.enforcementGraceDays': GRACE_DAYS,
    'security.passwordMaxAgeDays': 0,
  };
  const config = {
    get: jest.fn((key: string) => settings[key]),
  } as unknown as jest.Mocked<ConfigService<Config, true>>;
  const users = {
    startMfaEnforcement: jest.fn().mockResolvedValue(ENFORCED_SINCE),
    recordSuccessfulLogin: jest.fn().mockResolvedValue(undefined),
  } as unknown as jest.Mocked<UserRepository>;
  const flags = { isEnabled: jest.fn().mockResolvedValue(enforced) } as unknown as jest.Mocked<FeatureFlagService>;
  const session = Object.assign(new SessionEntity(), {
    id: '6f1c8c1e-3c1a-4a55-9d0e-2b9f0f3c9a11',
    createdAt: now,
    expiresAt: new Date(now.getTime() + 30 * DAY),
  });
  const sessions = { start: jest.fn().mockResolvedValue(session) } as unknown as jest.Mocked<SessionService>;
  const tokens = {
    newRefreshToken: jest.fn(() => 'refresh-token'),
    hashRefreshToken: jest.fn(() => 'refresh-token-hash'),
    signAccess: jest.fn(() => 'access-token'),
    refreshTtlMs: 7 * DAY,
    accessTtlSeconds: 900,
  } as unknown as jest.Mocked<TokenService>;
  const refreshTokens = {
    insertToken: jest.fn().mockResolvedValue(undefined),
  } as unknown as jest.Mocked<RefreshTokenRepository>;
  const audit = { record: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<AuditService>;
  const dataSource = {
    transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)),
  } as unknown as jest.Mocked<DataSource>;
  const clock: Clock = { now: () => now };
  const auth = authServiceWith({ users, refreshTokens, audit, flags, tokens, sessions, clock, config, dataSource });
  return { auth, users, tokens };
}

/** The scope the signed access token carries: what the user may do with the session. */
function scopeOf(tokens: jest.Mocked<TokenService>): unknown {
  return tokens.signAccess.mock.calls[0][0].scope;
}

describe('AuthService: MFA enrollment at sign-in', () => {
  const now = new Date(ENFORCED_SINCE.getTime() + DAY);

  it('asks nothing of a user when MFA_ENROLLMENT is none', async () => {
    const { auth, tokens } = setUp({ mode: 'none', now });

    const response = await auth.afterFirstFactor(user(), 'pwd');

    expect(response).toMatchObject({ status: 'authenticated', mfaEnrollment: 'none' });
    expect(response.mfaEnrollmentGraceEndsAt).toBeUndefined();
    expect(scopeOf(tokens)).toBe('full');
  });

  it('recommends enrolling, with a full session, when MFA_ENROLLMENT is recommended', async () => {
    const { auth, tokens } = setUp({ mode: 'recommended', now });

    const response = await auth.afterFirstFactor(user(), 'pwd');

    expect(response).toMatchObject({ status: 'authenticated', mfaEnrollment: 'recommended' });
    expect(scopeOf(tokens)).toBe('full');
  });

  it('confines a user without 2FA to enrolling when MFA_ENROLLMENT is required', async () => {
    const { auth, tokens } = setUp({ mode: 'required', now });

    const response = await auth.afterFirstFactor(user(), 'pwd');

    expect(response).toMatchObject({ status: 'authenticated', mfaEnrollment: 'required' });
    expect(scopeOf(tokens)).toBe('mfa_enrollment');
  });

  it('only recommends enrolling inside the grace period of enforcement, telling when it ends', async () => {
    const inside = new Date(GRACE_ENDS_AT.getTime() - 1);
    const { auth, tokens } = setUp({ mode: 'none', enforced: true, now: inside });

    const response = await auth.afterFirstFactor(user({ mfaEnforcedSince: ENFORCED_SINCE }), 'pwd');

    expect(response).toMatchObject({
      mfaEnrollment: 'recommended',
      mfaEnrollmentGraceEndsAt: GRACE_ENDS_AT.toISOString(),
    });
    expect(scopeOf(tokens)).toBe('full');
  });

  it('starts the grace period at the first sign-in enforcement applies to', async () => {
    const { auth, users } = setUp({ mode: 'recommended', enforced: true, now: ENFORCED_SINCE });

    const response = await auth.afterFirstFactor(user(), 'pwd');

    expect(users.startMfaEnforcement).toHaveBeenCalledWith(
      '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
      ENFORCED_SINCE,
      expect.anything(),
    );
    expect(response.mfaEnrollmentGraceEndsAt).toBe(GRACE_ENDS_AT.toISOString());
  });

  it('requires enrolling once the grace period is over, confining the session to mfa_enrollment', async () => {
    const { auth, tokens, users } = setUp({ mode: 'none', enforced: true, now: GRACE_ENDS_AT });

    const response = await auth.afterFirstFactor(user({ mfaEnforcedSince: ENFORCED_SINCE }), 'pwd');

    expect(response).toMatchObject({ status: 'authenticated', mfaEnrollment: 'required' });
    expect(response.mfaEnrollmentGraceEndsAt).toBeUndefined();
    expect(scopeOf(tokens)).toBe('mfa_enrollment');
    expect(users.startMfaEnforcement).not.toHaveBeenCalled();
  });
});
