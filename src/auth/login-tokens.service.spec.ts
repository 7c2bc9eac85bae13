import { EntityManager } from 'typeorm';
import { Enrollment, EnrollmentSubject, MfaEnrollmentPolicy } from '../mfa/enrollment-policy';
import { PasswordAge, PasswordExpiry } from '../passwords/password-expiry';
import { RefreshTokens } from '../session/refresh-tokens.service';
import { SessionEntity } from '../session/session.entity';
import { SessionService } from '../session/session.service';
import { TokenService } from '../tokens/token.service';
import { configOf } from '../../test/support/unit-mocks';
import { Assurance, LoginTokens } from './login-tokens.service';

const DAY = 86_400_000;
const MAX_AGE_DAYS = 90;
const NOW = new Date('2026-01-01T12:00:00Z');
const PASSWORD: Assurance = { aal: 'aal1', amr: ['pwd'] };

function user(overrides: Partial<EnrollmentSubject & PasswordAge> = {}): EnrollmentSubject & PasswordAge {
  return {
    id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
    email: 'ada@example.com',
    roles: ['user'],
    mfaEnabled: false,
    mfaEnforcedSince: null,
    passwordChangedAt: new Date(NOW.getTime() - DAY),
    mustChangePassword: false,
    ...overrides,
  };
}

/**
 * LoginTokens over typed mocks and the real PasswordExpiry (PASSWORD_MAX_AGE_DAYS 90): the rule "expired or
 * forced" is what decides the scope, so it runs as it ships. The enrollment policy answers `enrollment`.
 */
function setUp(enrollment: Enrollment = { mfaEnrollment: 'none' }) {
  const manager = {} as EntityManager;
  const session = Object.assign(new SessionEntity(), {
    id: '6f1c8c1e-3c1a-4a55-9d0e-2b9f0f3c9a11',
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 30 * DAY),
  });
  const sessions = { start: jest.fn().mockResolvedValue(session) } as unknown as jest.Mocked<SessionService>;
  const firstToken = { token: 'refresh-token', stored: { tokenHash: 'hash-of-refresh-token', ttlMs: 7 * DAY } };
  const refreshTokens = { firstToken: jest.fn(() => firstToken) } as unknown as jest.Mocked<RefreshTokens>;
  const tokens = {
    signAccess: jest.fn(() => 'access-token'),
    accessTtlSeconds: 900,
  } as unknown as jest.Mocked<TokenService>;
  const policy = { of: jest.fn().mockResolvedValue(enrollment) } as unknown as jest.Mocked<MfaEnrollmentPolicy>;
  const expiry = new PasswordExpiry(configOf({ security: { passwordMaxAgeDays: MAX_AGE_DAYS } }));
  const loginTokens = new LoginTokens(sessions, refreshTokens, tokens, policy, expiry);
  return { loginTokens, sessions, refreshTokens, tokens, manager, session, firstToken };
}

describe('LoginTokens', () => {
  describe('the scope of a new session', () => {
    it('is full when the password is current and 2FA is not required', async () => {
      const { loginTokens, manager } = setUp({ mfaEnrollment: 'recommended' });

      expect((await loginTokens.open(user(), PASSWORD, NOW, manager)).scope).toBe('full');
    });

    it('is password_change once the password reached PASSWORD_MAX_AGE_DAYS', async () => {
      const { loginTokens, manager } = setUp();
      const expired = user({ passwordChangedAt: new Date(NOW.getTime() - MAX_AGE_DAYS * DAY) });

      expect((await loginTokens.open(expired, PASSWORD, NOW, manager)).scope).toBe('password_change');
    });

    it('is full the moment before the password reaches PASSWORD_MAX_AGE_DAYS', async () => {
      const { loginTokens, manager } = setUp();
      const ageing = user({ passwordChangedAt: new Date(NOW.getTime() - MAX_AGE_DAYS * DAY + 1) });

      expect((await loginTokens.open(ageing, PASSWORD, NOW, manager)).scope).toBe('full');
    });

    it('is password_change when an admin forced a password change', async () => {
      const { loginTokens, manager } = setUp();

      expect((await loginTokens.open(user({ mustChangePassword: true }), PASSWORD, NOW, manager)).scope).toBe(
        'password_change',
      );
    });

    it('is mfa_enrollment when 2FA is required and the user has none', async () => {
      const { loginTokens, manager } = setUp({ mfaEnrollment: 'required' });

      expect((await loginTokens.open(user(), PASSWORD, NOW, manager)).scope).toBe('mfa_enrollment');
    });

    it('is password_change when the password change and 2FA enrollment are both due', async () => {
      const { loginTokens, manager } = setUp({ mfaEnrollment: 'required' });

      expect((await loginTokens.open(user({ mustChangePassword: true }), PASSWORD, NOW, manager)).scope).toBe(
        'password_change',
      );
    });

    it('is what the session is started with and what its access token carries', async () => {
      const { loginTokens, sessions, tokens, manager } = setUp({ mfaEnrollment: 'required' });

      await loginTokens.open(user(), PASSWORD, NOW, manager);

      expect(sessions.start).toHaveBeenCalledWith(
        expect.objectContaining({ scope: 'mfa_enrollment' }),
        expect.anything(),
        manager,
      );
      expect(tokens.signAccess).toHaveBeenCalledWith(expect.objectContaining({ scope: 'mfa_enrollment' }));
    });
  });

  it('answers password_change_required to a sign-in confined to password_change', async () => {
    const { loginTokens, manager } = setUp();

    const { response } = await loginTokens.open(user({ mustChangePassword: true }), PASSWORD, NOW, manager);

    expect(response.status).toBe('password_change_required');
  });

  it.each([
    ['full', { mfaEnrollment: 'none' }],
    ['mfa_enrollment', { mfaEnrollment: 'required' }],
  ] as const)('answers authenticated to a sign-in with scope %s', async (_scope, enrollment) => {
    const { loginTokens, manager } = setUp(enrollment);

    const { response } = await loginTokens.open(user(), PASSWORD, NOW, manager);

    expect(response.status).toBe('authenticated');
  });

  it('answers a sign-in with the session, its tokens and what the user is asked about 2FA', async () => {
    const grace = { mfaEnrollment: 'recommended', mfaEnrollmentGraceEndsAt: '2026-01-15T00:00:00.000Z' } as const;
    const { loginTokens, sessions, manager, session, firstToken } = setUp(grace);

    const { response } = await loginTokens.open(user(), PASSWORD, NOW, manager);

    expect(sessions.start).toHaveBeenCalledWith(expect.anything(), firstToken.stored, manager);
    expect(response).toEqual({
      status: 'authenticated',
      accessToken: 'access-token',
      refreshToken: 'refresh-token',
      tokenType: 'Bearer',
      expiresIn: 900,
      sessionId: session.id,
      ...grace,
    });
  });

  it('keeps answering password_change_required on a refresh of a password_change session', async () => {
    const { loginTokens, manager, session } = setUp();
    const rotated: Parameters<LoginTokens['reissue']>[1] = {
      id: session.id,
      aal: 'aal1',
      amr: ['pwd'],
      scope: 'password_change',
    };

    const response = await loginTokens.reissue(user(), rotated, 'next', NOW, manager);

    expect(response.status).toBe('password_change_required');
  });
});
