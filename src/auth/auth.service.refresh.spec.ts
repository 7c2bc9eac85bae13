import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { SessionEntity } from '../session/session.entity';
import { SessionService } from '../session/session.service';
import { AuthError } from './auth.exception';
import { authServiceWith } from '../../test/support/auth-service-mocks';
import { RefreshTokenEntity } from '../session/refresh-token.entity';
import { RefreshTokenRepository } from '../session/refresh-token.repository';
import { TokenService } from '../tokens/token.service';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';

const DAY = 86_400_000;
const GRACE_SECONDS = 10;
const USED_AT = new Date('2026-01-01T12:00:00Z');
const TOKEN = 'stolen-or-retried-token';
const SUCCESSOR = `successor-of-${TOKEN}`;
const USER = Object.assign(new UserEntity(), {
  id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  email: 'ada@example.com',
  roles: ['user'],
  mfaEnabled: true,
  mfaEnforcedSince: null,
});
const SESSION = Object.assign(new SessionEntity(), {
  id: '6f1c8c1e-3c1a-4a55-9d0e-2b9f0f3c9a11',
  userId: USER.id,
  aal: 'aal2',
  amr: ['pwd', 'otp'],
  scope: 'full',
  expiresAt: new Date(USED_AT.getTime() + 30 * DAY),
});

/** An AuthService over typed mocks, holding one refresh token that was already rotated at USED_AT. */
function setUp(now: Date) {
  const manager = {} as EntityManager;
  const used = Object.assign(new RefreshTokenEntity(), {
    id: 'a3c5f1d2-7b0e-4c1f-9e2d-5f6a7b8c9d0e',
    sessionId: SESSION.id,
    expiresAt: new Date(USED_AT.getTime() + 7 * DAY),
    usedAt: USED_AT,
    revokedAt: null,
  });
  const child = Object.assign(new RefreshTokenEntity(), { id: 'c1d2e3f4-0000-4000-8000-000000000001' });
  const refreshTokens = {
    rotateLive: jest.fn().mockResolvedValue(undefined),
    findByHashForUpdate: jest.fn().mockResolvedValue(used),
    findActiveChild: jest.fn().mockResolvedValue(child),
    revokeAllForSession: jest.fn().mockResolvedValue(undefined),
    markUsed: jest.fn(),
    insertToken: jest.fn(),
  } as unknown as jest.Mocked<RefreshTokenRepository>;
  const tokens = {
    successorOf: jest.fn((token: string) => `successor-of-${token}`),
    hashRefreshToken: jest.fn((token: string) => `hash-of-${token}`),
    signAccess: jest.fn(() => 'access-token'),
    refreshTtlMs: 7 * DAY,
    accessTtlSeconds: 900,
  } as unknown as jest.Mocked<TokenService>;
  const sessions = {
    idleDeadline: jest.fn((at: Date) => new Date(at.getTime() + DAY)),
    useForRefresh: jest.fn().mockResolvedValue(SESSION),
    findById: jest.fn().mockResolvedValue(SESSION),
    revokeAllForUser: jest.fn().mockResolvedValue(undefined),
  } as unknown as jest.Mocked<SessionService>;
  const users = { findActiveById: jest.fn().mockResolvedValue(USER) } as unknown as jest.Mocked<UserRepository>;
  const settings: Record<string, unknown> = { 'jwt.refreshReuseGraceSeconds': GRACE_SECONDS };
  const config = {
    get: jest.fn((key: string) => settings[key]),
  } as unknown as jest.Mocked<ConfigService<Config, true>>;
  const audit = { record: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<AuditService>;
  const metrics = { refreshes: { inc: jest.fn() } } as unknown as jest.Mocked<AuthMetrics>;
  const notifications = { refreshTokenReuse: jest.fn() } as unknown as jest.Mocked<SecurityNotifications>;
  const dataSource = {
    manager,
    transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)),
  } as unknown as jest.Mocked<DataSource>;
  const clock: Clock = { now: () => now };
  const auth = authServiceWith({
    users,
    refreshTokens,
    audit,
    metrics,
    notifications,
    tokens,
    sessions,
    clock,
    config,
    dataSource,
  });
  return { auth, refreshTokens, sessions, audit, metrics, notifications };
}

describe('AuthService: reuse of a rotated refresh token', () => {
  it('answers a retry inside the grace window with the same successor, leaving the session alive', async () => {
    const { auth, sessions, refreshTokens, notifications } = setUp(new Date(USED_AT.getTime() + GRACE_SECONDS * 1000));

    const response = await auth.refresh(TOKEN);

    expect(response).toMatchObject({ status: 'authenticated', refreshToken: SUCCESSOR, sessionId: SESSION.id });
    expect(refreshTokens.findActiveChild).toHaveBeenCalledWith(
      'a3c5f1d2-7b0e-4c1f-9e2d-5f6a7b8c9d0e',
      `hash-of-${SUCCESSOR}`,
      expect.anything(),
    );
    expect(refreshTokens.insertToken).not.toHaveBeenCalled();
    expect(refreshTokens.revokeAllForSession).not.toHaveBeenCalled();
    expect(sessions.revokeAllForUser).not.toHaveBeenCalled();
    expect(notifications.refreshTokenReuse).not.toHaveBeenCalled();
  });

  it('treats reuse after the grace window as theft: 401, every session of the user revoked, audited and mailed', async () => {
    const now = new Date(USED_AT.getTime() + GRACE_SECONDS * 1000 + 1);
    const { auth, sessions, refreshTokens, audit, metrics, notifications } = setUp(now);

    await expect(auth.refresh(TOKEN)).rejects.toMatchObject({ code: AuthError.InvalidRefreshToken });

    expect(refreshTokens.revokeAllForSession).toHaveBeenCalledWith(SESSION.id, now, expect.anything());
    expect(sessions.revokeAllForUser).toHaveBeenCalledWith(USER.id, 'refresh_reuse', expect.anything());
    expect(audit.record).toHaveBeenCalledWith(
      { type: 'refresh.reuse_detected', userId: USER.id, details: { sessionId: SESSION.id } },
      expect.anything(),
    );
    expect(metrics.refreshes.inc).toHaveBeenCalledWith({ result: 'reuse_detected' });
    expect(notifications.refreshTokenReuse).toHaveBeenCalledWith(USER.email);
  });

  it('treats reuse inside the grace window as theft too when the successor was not issued for this token', async () => {
    const { auth, sessions, refreshTokens, notifications } = setUp(new Date(USED_AT.getTime() + 1000));
    refreshTokens.findActiveChild.mockResolvedValue(null);

    await expect(auth.refresh(TOKEN)).rejects.toMatchObject({ code: AuthError.InvalidRefreshToken });

    expect(sessions.revokeAllForUser).toHaveBeenCalledWith(USER.id, 'refresh_reuse', expect.anything());
    expect(notifications.refreshTokenReuse).toHaveBeenCalledWith(USER.email);
  });
});
