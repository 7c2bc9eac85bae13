import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';

/** A password login waiting for its second factor; the MFA token names it and is good for one success. */
@Injectable()
export class MfaChallengeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(userId: string, now: Date, expiresAt: Date, manager?: EntityManager): Promise<string> {
    // Inside a transaction that touches other per-user rows, the user's row is locked first: the lock order
    // of every transaction touching users and per-user tables, so they never deadlock.
    if (manager) await manager.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const [row] = await (manager ?? this.dataSource.manager).query<{ id: string }[]>(
      `INSERT INTO mfa_challenges (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id`,
      [userId, now, expiresAt],
    );
    return row.id;
  }

  /**
   * Closes the challenge in the session's transaction; false, having changed nothing, when another
   * request closed it first (it waits on the row lock, then finds the challenge used) or it expired.
   */
  async close(id: string, userId: string, now: Date, manager: EntityManager): Promise<boolean> {
    const rows = await preparedQuery(
      manager,
      'mfa-challenge-close',
      `UPDATE mfa_challenges SET used_at = $3
        WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3
        RETURNING id`,
      [id, userId, now],
    );
    return rows.length > 0;
  }
}
