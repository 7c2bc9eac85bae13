import { HttpStatus } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { Rotation, RefreshTokens } from '../session/refresh-tokens.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { TestClock } from '../../test/support/test-clock';
import { dataSourceOn } from '../../test/support/unit-mocks';
import { AUTH_ERRORS, AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginTokens } from './login-tokens.service';
import { RefreshService } from './refresh.service';

const NOW = new Date('2026-01-01T12:00:00Z');
const USER = Object.assign(new UserEntity(), {
  id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  email: 'ada@example.com',
  roles: ['user'],
  mfaEnabled: true,
  mfaEnforcedSince: null,
});
const SESSION = {
  id: '6f1c8c1e-3c1a-4a55-9d0e-2b9f0f3c9a11',
  userId: USER.id,
  aal: 'aal2',
  amr: ['pwd', 'otp'],
  scope: 'full',
} as const satisfies Extract<Rotation, { ok: true }>['session'];
const SUCCESSOR = 'successor-refresh-token';
const RESPONSE: LoginResponseDto = {
  status: 'authenticated',
  accessToken: 'access-token',
  refreshToken: SUCCESSOR,
  tokenType: 'Bearer',
  expiresIn: 900,
  sessionId: SESSION.id,
  mfaEnrollment: 'none',
};

/** RefreshService over typed mocks; the rotation succeeds on the step-by-step path (no account read along). */
function setUp() {
  const manager = {} as EntityManager;
  const refreshTokens = {
    rotate: jest.fn().mockResolvedValue({ ok: true, session: SESSION, refreshToken: SUCCESSOR }),
  } as unknown as jest.Mocked<RefreshTokens>;
  const users = { findActiveById: jest.fn().mockResolvedValue(USER) } as unknown as jest.Mocked<UsersService>;
  const loginTokens = { reissue: jest.fn().mockResolvedValue(RESPONSE) } as unknown as jest.Mocked<LoginTokens>;
  const metrics = { refreshes: { inc: jest.fn() } } as unknown as jest.Mocked<AuthMetrics>;
  const notifications = { refreshTokenReuse: jest.fn() } as unknown as jest.Mocked<SecurityNotifications>;
  const refresh = new RefreshService(
    refreshTokens,
    users,
    loginTokens,
    metrics,
    notifications,
    new TestClock(NOW.getTime()),
    dataSourceOn(manager),
  );
  return { refresh, refreshTokens, users, loginTokens, metrics, notifications, manager };
}

async function refusal(attempt: Promise<unknown>): Promise<AuthException> {
  const error: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthException);
  return error as AuthException;
}

const refused: Rotation = { ok: false };
const reused: Rotation = { ok: false, reuse: { userId: USER.id } };

describe('RefreshService', () => {
  it("answers with a new access token for the rotated session and the token's successor", async () => {
    const { refresh, loginTokens, manager } = setUp();

    expect(await refresh.refresh('refresh-token')).toBe(RESPONSE);
    expect(loginTokens.reissue).toHaveBeenCalledWith(USER, SESSION, SUCCESSOR, NOW, manager);
  });

  it('uses the account the rotation read along instead of reading it again', async () => {
    const { refresh, refreshTokens, users, loginTokens } = setUp();
    const along = { ...USER, email: 'ada@example.org' };
    refreshTokens.rotate.mockResolvedValue({ ok: true, session: SESSION, user: along, refreshToken: SUCCESSOR });

    await refresh.refresh('refresh-token');

    expect(users.findActiveById).not.toHaveBeenCalled();
    expect(loginTokens.reissue).toHaveBeenCalledWith(along, SESSION, SUCCESSOR, NOW, expect.anything());
  });

  it('counts a refresh that succeeded as success', async () => {
    const { refresh, metrics } = setUp();

    await refresh.refresh('refresh-token');

    expect(metrics.refreshes.inc).toHaveBeenCalledTimes(1);
    expect(metrics.refreshes.inc).toHaveBeenCalledWith({ result: 'success' });
  });

  it('refuses a token the rotation refused with 401 invalid_refresh_token', async () => {
    const { refresh, refreshTokens } = setUp();
    refreshTokens.rotate.mockResolvedValue(refused);

    const error = await refusal(refresh.refresh('refresh-token'));

    expect(error.code).toBe(AuthError.InvalidRefreshToken);
    expect(AUTH_ERRORS.status[error.code]).toBe(HttpStatus.UNAUTHORIZED);
    expect(error.message).toBe('Refresh token is invalid or expired');
  });

  it('counts a refused token as failure, mailing nobody', async () => {
    const { refresh, refreshTokens, metrics, notifications } = setUp();
    refreshTokens.rotate.mockResolvedValue(refused);

    await refusal(refresh.refresh('refresh-token'));

    expect(metrics.refreshes.inc).toHaveBeenCalledTimes(1);
    expect(metrics.refreshes.inc).toHaveBeenCalledWith({ result: 'failure' });
    expect(notifications.refreshTokenReuse).not.toHaveBeenCalled();
  });

  it('refuses a rotation whose account was deleted since, counting it as failure', async () => {
    const { refresh, users, loginTokens, metrics } = setUp();
    users.findActiveById.mockResolvedValue(null);

    const error = await refusal(refresh.refresh('refresh-token'));

    expect(error.code).toBe(AuthError.InvalidRefreshToken);
    expect(metrics.refreshes.inc).toHaveBeenCalledTimes(1);
    expect(metrics.refreshes.inc).toHaveBeenCalledWith({ result: 'failure' });
    expect(loginTokens.reissue).not.toHaveBeenCalled();
  });

  it('refuses a reused token with the same 401 invalid_refresh_token', async () => {
    const { refresh, refreshTokens } = setUp();
    refreshTokens.rotate.mockResolvedValue(reused);

    const error = await refusal(refresh.refresh('refresh-token'));

    expect(error.code).toBe(AuthError.InvalidRefreshToken);
    expect(AUTH_ERRORS.status[error.code]).toBe(HttpStatus.UNAUTHORIZED);
  });

  it('counts a reused token as reuse_detected', async () => {
    const { refresh, refreshTokens, metrics } = setUp();
    refreshTokens.rotate.mockResolvedValue(reused);

    await refusal(refresh.refresh('refresh-token'));

    expect(metrics.refreshes.inc).toHaveBeenCalledTimes(1);
    expect(metrics.refreshes.inc).toHaveBeenCalledWith({ result: 'reuse_detected' });
  });

  it('mails the owner of a reused token that they were signed out everywhere', async () => {
    const { refresh, refreshTokens, users, notifications } = setUp();
    refreshTokens.rotate.mockResolvedValue(reused);

    await refusal(refresh.refresh('refresh-token'));

    expect(users.findActiveById).toHaveBeenCalledWith(USER.id);
    expect(notifications.refreshTokenReuse).toHaveBeenCalledWith(USER.email);
  });

  it('mails nobody about a reused token whose owner was deleted', async () => {
    const { refresh, refreshTokens, users, notifications } = setUp();
    refreshTokens.rotate.mockResolvedValue(reused);
    users.findActiveById.mockResolvedValue(null);

    await refusal(refresh.refresh('refresh-token'));

    expect(notifications.refreshTokenReuse).not.toHaveBeenCalled();
  });
});
