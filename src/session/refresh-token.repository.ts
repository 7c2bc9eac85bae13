import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { Role } from '../common/auth/auth-user';

export interface LiveRotation {
  tokenHash: string;
  successorHash: string;
  now: Date;
  /** The session's new idle expiry (capped by its absolute expiry here). */
  idleExpiresAt: Date;
  /** The successor's expiry (capped by the session's absolute expiry here). */
  successorExpiresAt: Date;
}

/** What a rotation needs to issue the new access token. */
export interface RotatedSession {
  session: Pick<SessionEntity, 'id' | 'aal' | 'amr' | 'scope'>;
  /** The session's account, as the access token and the 2FA enrollment policy need it. */
  user: { id: string; email: string; roles: Role[]; mfaEnabled: boolean; mfaEnforcedSince: Date | null };
}

interface RotatedRow {
  session_id: string;
  aal: SessionEntity['aal'];
  amr: string[];
  scope: SessionEntity['scope'];
  user_id: string;
  email: string;
  roles: Role[];
  mfa_enabled: boolean;
  mfa_enforced_since: Date | null;
}

@Injectable()
export class RefreshTokenRepository {
  async insertToken(
    token: Pick<RefreshTokenEntity, 'sessionId' | 'tokenHash' | 'parentId' | 'createdAt' | 'expiresAt'>,
    manager: EntityManager,
  ): Promise<void> {
    await preparedQuery(
      manager,
      'refresh-token-insert',
      `INSERT INTO refresh_tokens (session_id, token_hash, parent_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [token.sessionId, token.tokenHash, token.parentId, token.createdAt, token.expiresAt],
    );
  }

  /**
   * The common rotation in one statement, one round trip: when the token is unused, unrevoked and
   * unexpired, and its session and account are live, it locks the token and the session, marks the
   * token used, records the activity on the session and inserts the successor. Undefined, having changed
   * nothing, for any other token: the caller then takes the step-by-step path, which tells a retry
   * from a reuse. It reads the session and user tables because this is the hottest write path of the
   * service (one statement instead of eight round trips doubled the rotations per second).
   */
  async rotateLive(rotation: LiveRotation, manager: EntityManager): Promise<RotatedSession | undefined> {
    const [row] = await preparedQuery<RotatedRow>(
      manager,
      'refresh-token-rotate-live',
      // Row by row through primary keys and scalar subqueries: the plan is kept (see preparedQuery), so it
      // must not depend on how many rows the tables had when it was made.
      `WITH token AS MATERIALIZED (
           SELECT id, session_id FROM refresh_tokens
            WHERE token_hash = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $3
              FOR NO KEY UPDATE
         ), old AS MATERIALIZED (
           SELECT (SELECT id FROM token) AS id, s.id AS session_id, s.user_id, s.expires_at AS session_expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
            WHERE s.id = (SELECT session_id FROM token)
              AND s.revoked_at IS NULL AND s.expires_at > $3 AND s.idle_expires_at > $3 AND u.deleted_at IS NULL
              FOR NO KEY UPDATE OF s
         ), used AS (
           UPDATE refresh_tokens SET used_at = $3 WHERE id = (SELECT id FROM old)
         ), touched AS (
           UPDATE sessions SET last_seen_at = $3, idle_expires_at = LEAST($4, expires_at)
            WHERE id = (SELECT session_id FROM old)
           RETURNING id, aal, amr, scope
         ), successor AS (
           INSERT INTO refresh_tokens (session_id, token_hash, parent_id, created_at, expires_at)
           SELECT old.session_id, $2, old.id, $3, LEAST($5, old.session_expires_at) FROM old
         )
         SELECT touched.id AS session_id, touched.aal, touched.amr, touched.scope,
                u.id AS user_id, u.email, u.roles, u.mfa_enabled, u.mfa_enforced_since
           FROM touched, users u
          WHERE u.id = (SELECT user_id FROM old)`,
      [rotation.tokenHash, rotation.successorHash, rotation.now, rotation.idleExpiresAt, rotation.successorExpiresAt],
    );
    if (!row) return undefined;
    return {
      session: { id: row.session_id, aal: row.aal, amr: row.amr, scope: row.scope },
      user: {
        id: row.user_id,
        email: row.email,
        roles: row.roles,
        mfaEnabled: row.mfa_enabled,
        mfaEnforcedSince: row.mfa_enforced_since,
      },
    };
  }

  /** Locks the row, so concurrent rotations of one token are serialized. */
  findByHashForUpdate(tokenHash: string, manager: EntityManager): Promise<RefreshTokenEntity | null> {
    return manager
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where('t.token_hash = :tokenHash', { tokenHash })
      .getOne();
  }

  findActiveChild(parentId: string, tokenHash: string, manager: EntityManager): Promise<RefreshTokenEntity | null> {
    return manager
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .where('t.parent_id = :parentId AND t.token_hash = :tokenHash', { parentId, tokenHash })
      .andWhere('t.used_at IS NULL AND t.revoked_at IS NULL')
      .getOne();
  }

  async markUsed(id: string, now: Date, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET used_at = $2 WHERE id = $1`, [id, now]);
  }

  async revokeAllForSession(sessionId: string, now: Date, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE refresh_tokens SET revoked_at = $2 WHERE session_id = $1 AND revoked_at IS NULL`, [
      sessionId,
      now,
    ]);
  }
}
