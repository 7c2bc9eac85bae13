import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { returnedRows } from '../database/affected-rows';

export type TokenPurpose = 'magic_link' | 'password_reset' | 'email_verify';

export interface TokenRow {
  id: string;
  userId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Single-use link tokens (magic links, password resets, email verification), stored only as hashes. */
@Injectable()
export class OneTimeTokenRepository {
  /** Stores a new token; every older open token of the user for the same purpose stops working. */
  async issue(
    userId: string,
    purpose: TokenPurpose,
    tokenHash: string,
    now: Date,
    expiresAt: Date,
    manager: EntityManager,
  ): Promise<void> {
    await manager.query(
      `UPDATE one_time_tokens SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
      [userId, purpose, now],
    );
    await manager.query(
      `INSERT INTO one_time_tokens (purpose, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [purpose, tokenHash, userId, now, expiresAt],
    );
  }

  /** The token's row, locked for the transaction that uses it. */
  findForUpdate(purpose: TokenPurpose, tokenHash: string, manager: EntityManager): Promise<TokenRow | null> {
    return this.find(purpose, tokenHash, manager, ' FOR UPDATE');
  }

  /** The token's row as it is now, locking nothing: for checks before the transaction that uses it. */
  findCurrent(purpose: TokenPurpose, tokenHash: string, manager: EntityManager): Promise<TokenRow | null> {
    return this.find(purpose, tokenHash, manager, '');
  }

  private async find(
    purpose: TokenPurpose,
    tokenHash: string,
    manager: EntityManager,
    lock: '' | ' FOR UPDATE',
  ): Promise<TokenRow | null> {
    const [row] = await manager.query<{ id: string; user_id: string; expires_at: Date; used_at: Date | null }[]>(
      `SELECT id, user_id, expires_at, used_at FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2${lock}`,
      [tokenHash, purpose],
    );
    return row ? { id: row.id, userId: row.user_id, expiresAt: row.expires_at, usedAt: row.used_at } : null;
  }

  /** Marks it used; false when it was used meanwhile. */
  async markUsed(id: string, now: Date, manager: EntityManager): Promise<boolean> {
    const rows = returnedRows<{ id: string }>(
      await manager.query(`UPDATE one_time_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL RETURNING id`, [
        id,
        now,
      ]),
    );
    return rows.length === 1;
  }

  async deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM one_time_tokens WHERE user_id = $1`, [userId]);
  }
}
