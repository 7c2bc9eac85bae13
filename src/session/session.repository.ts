import { returnedRows } from '../database/affected-rows';
import { preparedQuery } from '../database/prepared-query';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ObjectLiteral } from 'typeorm';
import { columnList, hydrate } from '../database/hydrate';
import { RevokeReason, SessionEntity } from './session.entity';

export type NewSession = Pick<
  SessionEntity,
  'userId' | 'createdAt' | 'lastSeenAt' | 'idleExpiresAt' | 'expiresAt' | 'aal' | 'amr' | 'scope' | 'ip' | 'userAgent'
>;

/** A new session's first refresh token: its hash, and how long it lives from the session's start. */
export interface FirstRefreshToken {
  tokenHash: string;
  ttlMs: number;
}

/** The first refresh token as `createEvictingOldest` stores it beside its session. */
export interface FirstRefreshTokenRow {
  tokenHash: string;
  expiresAt: Date;
}

/** What the guard needs on every request: one primary-key lookup. */
export type SessionCheck = Pick<
  SessionEntity,
  'id' | 'userId' | 'lastSeenAt' | 'idleExpiresAt' | 'expiresAt' | 'revokedAt'
>;

@Injectable()
export class SessionRepository {
  private readonly columns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.columns = columnList(dataSource, SessionEntity);
  }

  private repo(manager?: EntityManager) {
    return (manager ?? this.dataSource.manager).getRepository(SessionEntity);
  }

  /**
   * Creates a session with its first refresh token (its `expiresAt` at most the session's) and ends the
   * oldest active sessions beyond `maxActive` (never the new one, even when others started in the same
   * millisecond). The caller holds the user's row lock in `manager`'s transaction (`SignInService` takes
   * it with the login stamp), so parallel logins of one user are serialized and never leave more than
   * `maxActive` sessions: this statement's snapshot is taken after the lock, so it sees every session a
   * sign-in that held the lock before committed.
   */
  async createEvictingOldest(
    session: NewSession,
    firstToken: FirstRefreshTokenRow,
    maxActive: number,
    manager: EntityManager,
  ): Promise<{ created: SessionEntity; evictedIds: string[] }> {
    // One statement: its eviction query doesn't see the new row, so it keeps maxActive - 1 others.
    const [row] = await preparedQuery<ObjectLiteral & { evicted_ids: string[] }>(
      manager,
      'session-create-evicting',
      `WITH created AS (
         INSERT INTO sessions (user_id, created_at, last_seen_at, idle_expires_at, expires_at, aal, amr, scope, ip, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING ${this.columns}),
       first_token AS (
         INSERT INTO refresh_tokens (session_id, token_hash, created_at, expires_at)
         SELECT id, $12, created_at, $13 FROM created),
       evicted AS (
         UPDATE sessions SET revoked_at = $2, revoked_reason = 'evicted'
          WHERE id IN (
            SELECT id FROM sessions
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND idle_expires_at > $2
             ORDER BY created_at DESC, id DESC
            OFFSET $11)
          RETURNING id)
       SELECT created.*, ARRAY(SELECT id FROM evicted) AS evicted_ids FROM created`,
      [
        session.userId,
        session.createdAt,
        session.lastSeenAt,
        session.idleExpiresAt,
        session.expiresAt,
        session.aal,
        session.amr,
        session.scope,
        session.ip,
        session.userAgent,
        maxActive - 1,
        firstToken.tokenHash,
        firstToken.expiresAt,
      ],
    );
    return { created: hydrate(this.dataSource, SessionEntity, row), evictedIds: row.evicted_ids };
  }

  /** On every authenticated request, so plain SQL: TypeORM's findOne cost more CPU than the query. */
  async findForCheck(id: string): Promise<SessionCheck | null> {
    const [row] = await preparedQuery<{
      user_id: string;
      last_seen_at: Date;
      idle_expires_at: Date;
      expires_at: Date;
      revoked_at: Date | null;
    }>(
      this.dataSource.manager,
      'session-check',
      `SELECT user_id, last_seen_at, idle_expires_at, expires_at, revoked_at FROM sessions WHERE id = $1`,
      [id],
    );
    if (!row) return null;
    return {
      id,
      userId: row.user_id,
      lastSeenAt: row.last_seen_at,
      idleExpiresAt: row.idle_expires_at,
      expiresAt: row.expires_at,
      revokedAt: row.revoked_at,
    };
  }

  findById(id: string, manager?: EntityManager): Promise<SessionEntity | null> {
    return this.repo(manager).findOne({ where: { id } });
  }

  /** Records activity; only writes when `lastSeenBefore` still holds, so concurrent requests write once. */
  async touch(
    id: string,
    now: Date,
    idleExpiresAt: Date,
    lastSeenBefore: Date,
    manager?: EntityManager,
  ): Promise<void> {
    await (manager ?? this.dataSource.manager).query(
      `UPDATE sessions SET last_seen_at = $2, idle_expires_at = LEAST($3, expires_at)
        WHERE id = $1 AND revoked_at IS NULL AND last_seen_at < $4`,
      [id, now, idleExpiresAt, lastSeenBefore],
    );
  }

  async extend(id: string, now: Date, idleExpiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE sessions SET last_seen_at = $2, idle_expires_at = LEAST($3, expires_at) WHERE id = $1 AND revoked_at IS NULL`,
      [id, now, idleExpiresAt],
    );
  }

  /** Ends the session if it is still active; answers its user's id then, undefined otherwise. */
  async revoke(id: string, reason: RevokeReason, now: Date, manager?: EntityManager): Promise<string | undefined> {
    const result: unknown = await (manager ?? this.dataSource.manager).query(
      `UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`,
      [id, now, reason],
    );
    return returnedRows<{ user_id: string }>(result)[0]?.user_id;
  }

  /** Revokes the user's active sessions (all but `keepId` when given); returns the ids that ended. */
  async revokeAllForUser(
    userId: string,
    reason: RevokeReason,
    now: Date,
    keepId?: string,
    manager?: EntityManager,
  ): Promise<string[]> {
    const result: unknown = await (manager ?? this.dataSource.manager).query(
      `UPDATE sessions SET revoked_at = $2, revoked_reason = $3
        WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)
        RETURNING id`,
      [userId, now, reason, keepId ?? null],
    );
    return returnedRows<{ id: string }>(result).map((row) => row.id);
  }

  async setScope(id: string, scope: SessionEntity['scope'], manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource.manager).query(`UPDATE sessions SET scope = $2 WHERE id = $1`, [id, scope]);
  }

  listAllForUser(userId: string): Promise<SessionEntity[]> {
    return this.repo().find({ where: { userId }, order: { createdAt: 'DESC' } });
  }

  /** Deletes the user's sessions; their refresh tokens and device links go with them (a trigger, in the same statement). */
  async deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
  }

  countActive(now: Date): Promise<number> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.revoked_at IS NULL AND s.expires_at > :now AND s.idle_expires_at > :now', { now })
      .getCount();
  }

  listActiveForUser(userId: string, now: Date): Promise<SessionEntity[]> {
    return this.repo()
      .createQueryBuilder('s')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > :now AND s.idle_expires_at > :now', {
        userId,
        now,
      })
      .orderBy('s.created_at', 'DESC')
      .getMany();
  }
}
