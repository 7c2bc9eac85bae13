import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RefreshTokenEntity } from './refresh-token.entity';

@Injectable()
export class RefreshTokenRepository {
  async insertToken(
    token: Pick<RefreshTokenEntity, 'sessionId' | 'tokenHash' | 'parentId' | 'createdAt' | 'expiresAt'>,
    manager: EntityManager,
  ): Promise<void> {
    await manager.getRepository(RefreshTokenEntity).insert(token);
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
