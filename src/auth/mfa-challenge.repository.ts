import { affectedRows } from '../database/affected-rows';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A password login waiting for its second factor; the MFA token names it and is good for one success. */
@Injectable()
export class MfaChallengeRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(userId: string, now: Date, expiresAt: Date): Promise<string> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      `INSERT INTO mfa_challenges (user_id, created_at, expires_at) VALUES ($1, $2, $3) RETURNING id`,
      [userId, now, expiresAt],
    );
    return row.id;
  }

  async isOpen(id: string, userId: string, now: Date): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT id FROM mfa_challenges WHERE id = $1 AND user_id = $2 AND used_at IS NULL AND expires_at > $3`,
      [id, userId, now],
    );
    return rows.length > 0;
  }

  /** Closes the challenge; false when another request closed it first. */
  async close(id: string, now: Date): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE mfa_challenges SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND expires_at > $2`,
      [id, now],
    );
    return affectedRows(result) > 0;
  }
}
