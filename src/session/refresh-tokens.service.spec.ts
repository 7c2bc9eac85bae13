import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { configOf, dataSourceOn } from '../../test/support/unit-mocks';
import { TestClock } from '../../test/support/test-clock';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository, RotatedSession } from './refresh-token.repository';
import { Rotation, RefreshTokens } from './refresh-tokens.service';
import { SessionEntity } from './session.entity';
import { SessionError, SessionException } from './session.exception';
import { SessionService } from './session.service';

const DAY = 86_400_000;
const TTL_MS = 7 * DAY;
const GRACE_SECONDS = 10;
const SECRET = 'a-jwt-secret-of-at-least-32-characters';
const USED_AT = new Date('2026-01-01T12:00:00Z');
const TOKEN = 'stolen-or-retried-token';
const USER = {
  id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b',
  email: 'ada@example.com',
  roles: ['user'],
  mfaEnabled: true,
  mfaEnforcedSince: null,
} satisfies RotatedSession['user'];
const SESSION = Object.assign(new SessionEntity(), {
  id: '6f1c8c1e-3c1a-4a55-9d0e-2b9f0f3c9a11',
  userId: USER.id,
  aal: 'aal2',
  amr: ['pwd', 'otp'],
  scope: 'full',
  createdAt: USED_AT,
  expiresAt: new Date(USED_AT.getTime() + 30 * DAY),
});
const LIVE: RotatedSession = {
  session: { id: SESSION.id, aal: SESSION.aal, amr: SESSION.amr, scope: SESSION.scope },
  user: USER,
};
const ROW_ID = 'a3c5f1d2-7b0e-4c1f-9e2d-5f6a7b8c9d0e';

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** The refresh token a rotation handed out; fails the test when it was refused. */
function refreshTokenOf(rotation: Rotation): string {
  if (!rotation.ok) throw new Error('The rotation was refused');
  return rotation.refreshToken;
}

/**
 * RefreshTokens over typed mocks at `now`. The one statement finds nothing (so `rotate` falls back to
 * the step-by-step path) and the stored token is `TOKEN`, already rotated at USED_AT into a live child.
 */
function setUp(now: Date, secret = SECRET) {
  const manager = {} as EntityManager;
  const row: RefreshTokenEntity = Object.assign(new RefreshTokenEntity(), {
    id: ROW_ID,
    sessionId: SESSION.id,
    parentId: null,
    createdAt: new Date(USED_AT.getTime() - DAY),
    expiresAt: new Date(USED_AT.getTime() + TTL_MS),
    usedAt: USED_AT,
    revokedAt: null,
  });
  const child = Object.assign(new RefreshTokenEntity(), { id: 'c1d2e3f4-0000-4000-8000-000000000001' });
  const tokens = {
    insertToken: jest.fn().mockResolvedValue(undefined),
    rotateLive: jest.fn().mockResolvedValue(undefined),
    findByHashForUpdate: jest.fn().mockResolvedValue(row),
    findActiveChild: jest.fn().mockResolvedValue(child),
    markUsed: jest.fn().mockResolvedValue(undefined),
    revokeAllForSession: jest.fn().mockResolvedValue(undefined),
  } as unknown as jest.Mocked<RefreshTokenRepository>;
  const sessions = {
    idleDeadline: jest.fn((at: Date) => new Date(at.getTime() + DAY)),
    useForRefresh: jest.fn().mockResolvedValue(SESSION),
    findById: jest.fn().mockResolvedValue(SESSION),
    revokeAllForUser: jest.fn().mockResolvedValue(1),
  } as unknown as jest.Mocked<SessionService>;
  const audit = { record: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<AuditService>;
  const config = configOf({
    jwt: { secret, refreshTtlMs: TTL_MS, refreshReuseGraceSeconds: GRACE_SECONDS },
  });
  const dataSource = dataSourceOn(manager);
  const refreshTokens = new RefreshTokens(tokens, sessions, audit, new TestClock(now.getTime()), config, dataSource);
  return { refreshTokens, tokens, sessions, audit, dataSource, manager, row };
}

describe('RefreshTokens', () => {
  describe('refresh token values', () => {
    it('makes 256-bit random refresh tokens and stores only their SHA-256 hash', () => {
      const { refreshTokens } = setUp(USED_AT);

      const first = refreshTokens.firstToken();
      const second = refreshTokens.firstToken();

      expect(Buffer.from(first.token, 'base64url')).toHaveLength(32);
      expect(second.token).not.toBe(first.token);
      expect(first.stored).toEqual({ tokenHash: sha256(first.token), ttlMs: TTL_MS });
      expect(JSON.stringify(first.stored)).not.toContain(first.token);
    });

    it('gives a token a stable successor that only the server secret can derive', async () => {
      const { refreshTokens, tokens } = setUp(USED_AT);
      tokens.rotateLive.mockResolvedValue(LIVE);
      const elsewhere = setUp(USED_AT, 'another-jwt-secret-of-32-characters-at-least');
      elsewhere.tokens.rotateLive.mockResolvedValue(LIVE);

      const successor = refreshTokenOf(await refreshTokens.rotate(TOKEN));

      expect(refreshTokenOf(await refreshTokens.rotate(TOKEN))).toBe(successor);
      expect(successor).not.toBe(TOKEN);
      expect(refreshTokenOf(await elsewhere.refreshTokens.rotate(TOKEN))).not.toBe(successor);
      expect(tokens.rotateLive).toHaveBeenCalledWith(
        expect.objectContaining({ tokenHash: sha256(TOKEN), successorHash: sha256(successor) }),
        expect.anything(),
      );
    });
  });

  describe('rotation of a live token', () => {
    it('rotates in one statement, outside any transaction, bringing the account along', async () => {
      const { refreshTokens, tokens, dataSource } = setUp(USED_AT);
      tokens.rotateLive.mockResolvedValue(LIVE);

      const rotation = await refreshTokens.rotate(TOKEN);

      expect(rotation).toEqual({
        ok: true,
        session: { ...LIVE.session, userId: USER.id },
        user: USER,
        refreshToken: expect.any(String),
      });
      expect(dataSource.transaction).not.toHaveBeenCalled();
    });

    it('extends the session by its idle timeout and gives the successor REFRESH_TOKEN_TTL', async () => {
      const { refreshTokens, tokens, dataSource } = setUp(USED_AT);
      tokens.rotateLive.mockResolvedValue(LIVE);

      await refreshTokens.rotate(TOKEN);

      expect(tokens.rotateLive).toHaveBeenCalledWith(
        expect.objectContaining({
          now: USED_AT,
          idleExpiresAt: new Date(USED_AT.getTime() + DAY),
          successorExpiresAt: new Date(USED_AT.getTime() + TTL_MS),
        }),
        dataSource.manager,
      );
    });

    it('marks an unused token used and stores its successor under it when the one statement cannot rotate it', async () => {
      const { refreshTokens, tokens, manager, row } = setUp(USED_AT);
      row.usedAt = null;

      const successor = refreshTokenOf(await refreshTokens.rotate(TOKEN));

      expect(tokens.markUsed).toHaveBeenCalledWith(ROW_ID, USED_AT, manager);
      expect(tokens.insertToken).toHaveBeenCalledWith(
        {
          sessionId: SESSION.id,
          tokenHash: sha256(successor),
          parentId: ROW_ID,
          createdAt: USED_AT,
          expiresAt: new Date(USED_AT.getTime() + TTL_MS),
        },
        manager,
      );
    });

    it('never lets a successor outlive its session', async () => {
      const { refreshTokens, tokens, sessions, manager, row } = setUp(USED_AT);
      row.usedAt = null;
      const endsSoon = new Date(USED_AT.getTime() + DAY);
      sessions.useForRefresh.mockResolvedValue({ ...SESSION, expiresAt: endsSoon });

      await refreshTokens.rotate(TOKEN);

      expect(tokens.insertToken).toHaveBeenCalledWith(expect.objectContaining({ expiresAt: endsSoon }), manager);
    });

    it('refuses a token whose session has ended, issuing no successor', async () => {
      const { refreshTokens, tokens, sessions, row } = setUp(USED_AT);
      row.usedAt = null;
      sessions.useForRefresh.mockRejectedValue(
        new SessionException(SessionError.Expired, 'Session expired or revoked'),
      );

      expect(await refreshTokens.rotate(TOKEN)).toEqual({ ok: false });
      expect(tokens.insertToken).not.toHaveBeenCalled();
    });
  });

  it.each([
    ['an unknown token', () => null],
    ['a revoked token', (row: RefreshTokenEntity) => ({ ...row, revokedAt: USED_AT })],
    ['an expired token', (row: RefreshTokenEntity) => ({ ...row, expiresAt: new Date(USED_AT.getTime() + 1000) })],
  ])('refuses %s without treating it as reuse', async (_case, stored) => {
    const now = new Date(USED_AT.getTime() + 1000);
    const { refreshTokens, tokens, sessions, audit, row } = setUp(now);
    tokens.findByHashForUpdate.mockResolvedValue(stored(row));

    expect(await refreshTokens.rotate(TOKEN)).toEqual({ ok: false });
    expect(sessions.revokeAllForUser).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  describe('a retry of a rotated token inside the grace window', () => {
    const lastGraceMoment = new Date(USED_AT.getTime() + GRACE_SECONDS * 1000);

    it('answers with the same successor the first rotation gave', async () => {
      const { refreshTokens, tokens, manager } = setUp(lastGraceMoment);
      tokens.rotateLive.mockResolvedValueOnce(LIVE);
      const first = refreshTokenOf(await refreshTokens.rotate(TOKEN));

      const retry = await refreshTokens.rotate(TOKEN);

      expect(retry).toEqual({ ok: true, session: SESSION, refreshToken: first });
      expect(tokens.findActiveChild).toHaveBeenCalledWith(ROW_ID, sha256(first), manager);
    });

    it('leaves the session and its tokens alive, storing no new token', async () => {
      const { refreshTokens, tokens, sessions, audit } = setUp(lastGraceMoment);

      await refreshTokens.rotate(TOKEN);

      expect(tokens.insertToken).not.toHaveBeenCalled();
      expect(tokens.revokeAllForSession).not.toHaveBeenCalled();
      expect(sessions.revokeAllForUser).not.toHaveBeenCalled();
      expect(audit.record).not.toHaveBeenCalled();
    });

    it('refuses the retry when the session has ended since', async () => {
      const { refreshTokens, sessions } = setUp(lastGraceMoment);
      sessions.useForRefresh.mockRejectedValue(
        new SessionException(SessionError.Expired, 'Session expired or revoked'),
      );

      expect(await refreshTokens.rotate(TOKEN)).toEqual({ ok: false });
    });
  });

  describe.each([
    ['after the grace window', new Date(USED_AT.getTime() + GRACE_SECONDS * 1000 + 1), true],
    ['inside the grace window when its successor was not issued for it', new Date(USED_AT.getTime() + 1000), false],
  ])('reuse of a rotated token %s (theft)', (_case, now, childIssued) => {
    function stolen() {
      const parts = setUp(now);
      if (!childIssued) parts.tokens.findActiveChild.mockResolvedValue(null);
      return parts;
    }

    it('refuses it, naming the owner to warn', async () => {
      const { refreshTokens } = stolen();

      expect(await refreshTokens.rotate(TOKEN)).toEqual({ ok: false, reuse: { userId: USER.id } });
    });

    it("revokes every refresh token of the token's session", async () => {
      const { refreshTokens, tokens, manager } = stolen();

      await refreshTokens.rotate(TOKEN);

      expect(tokens.revokeAllForSession).toHaveBeenCalledWith(SESSION.id, now, manager);
    });

    it('ends every session of the user', async () => {
      const { refreshTokens, sessions, manager } = stolen();

      await refreshTokens.rotate(TOKEN);

      expect(sessions.revokeAllForUser).toHaveBeenCalledWith(USER.id, 'refresh_reuse', { manager });
    });

    it('audits refresh.reuse_detected with the session', async () => {
      const { refreshTokens, audit, manager } = stolen();

      await refreshTokens.rotate(TOKEN);

      expect(audit.record).toHaveBeenCalledWith(
        { type: 'refresh.reuse_detected', userId: USER.id, details: { sessionId: SESSION.id } },
        manager,
      );
    });
  });
});
