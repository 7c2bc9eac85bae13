import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

@Injectable()
export class PasswordHistoryRepository {
  /** The most recent earlier password hashes of a user, newest first. */
  async recentHashes(userId: string, count: number, manager: EntityManager): Promise<string[]> {
    if (count === 0) return [];
    const rows = await manager.query<{ password_hash: string }[]>(
      `SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`,
      [userId, count],
    );
    return rows.map((row) => row.password_hash);
  }

  /** Remembers a replaced hash and forgets those beyond the `keep` newest. */
  async remember(userId: string, passwordHash: string, now: Date, keep: number, manager: EntityManager): Promise<void> {
    await manager.query(`INSERT INTO password_history (user_id, password_hash, created_at) VALUES ($1, $2, $3)`, [
      userId,
      passwordHash,
      now,
    ]);
    await manager.query(
      `DELETE FROM password_history WHERE user_id = $1 AND id NOT IN (
         SELECT id FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2)`,
      [userId, keep],
    );
  }

  /** Forgets every earlier hash of a deleted account. */
  async deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM password_history WHERE user_id = $1`, [userId]);
  }
}
