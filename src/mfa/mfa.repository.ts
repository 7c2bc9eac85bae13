import { sessionEnded } from '../session/session-ended';
import { affectedRows } from '../database/affected-rows';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MfaState, UserMfaColumns } from '../users/user-mfa-columns.service';
import { PasskeyRepository } from './passkey.repository';

/**
 * Backup codes and pending 2FA sign-ins, the 2FA state of the user row through `UserMfaColumns`, and
 * what turning 2FA off or deleting the account does to passkeys.
 */
@Injectable()
export class MfaRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly columns: UserMfaColumns,
    private readonly passkeys: PasskeyRepository,
  ) {}

  findState(userId: string, manager?: EntityManager): Promise<MfaState | null> {
    return this.columns.findState(userId, manager);
  }

  setPendingSecret(userId: string, encrypted: string, manager: EntityManager): Promise<boolean> {
    return this.columns.setPendingSecret(userId, encrypted, manager);
  }

  /** Records the step as used; false when it (or a later one) was used already: a replay. */
  claimTotpStep(userId: string, step: number, manager?: EntityManager): Promise<boolean> {
    return this.columns.claimTotpStep(userId, step, manager);
  }

  countEnabledUsers(): Promise<number> {
    return this.columns.countEnabledUsers();
  }

  findSecretsNotUnderKey(keyId: string, limit: number): ReturnType<UserMfaColumns['findSecretsNotUnderKey']> {
    return this.columns.findSecretsNotUnderKey(keyId, limit);
  }

  replaceSecrets(...args: Parameters<UserMfaColumns['replaceSecrets']>): Promise<boolean> {
    return this.columns.replaceSecrets(...args);
  }

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** The account's 2FA state; 401 (the session's account is gone) when there is none. */
  async requireState(userId: string): Promise<MfaState> {
    const state = await this.findState(userId);
    if (!state) throw sessionEnded();
    return state;
  }

  /**
   * Turns TOTP on with the pending secret that was verified (and 2FA with it), recording the verified
   * step as used. Undefined when the pending secret changed meanwhile or TOTP is on already; else
   * whether 2FA was on before (through a passkey). Locks the user's row.
   */
  enableTotp(...args: Parameters<UserMfaColumns['enableTotp']>): Promise<{ wasEnabled: boolean } | undefined> {
    return this.columns.enableTotp(...args);
  }

  /** Marks 2FA on for a new passkey; whether it was on before. Locks the user's row. */
  markEnabled(userId: string, now: Date, manager: EntityManager): Promise<{ wasEnabled: boolean }> {
    return this.columns.markEnabled(userId, now, manager);
  }

  /** The 2FA state, with the user's row locked until `manager`'s transaction ends. */
  async lockState(userId: string, manager: EntityManager): Promise<MfaState> {
    await manager.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    const state = await this.findState(userId, manager);
    if (!state) throw sessionEnded();
    return state;
  }

  /** The first set of backup codes, for a user whose row this transaction locked. */
  async insertBackupCodes(manager: EntityManager, userId: string, hashes: string[], now: Date): Promise<void> {
    await manager.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
    for (const hash of hashes) {
      await manager.query(`INSERT INTO mfa_backup_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)`, [
        userId,
        hash,
        now,
      ]);
    }
  }

  /** Marks an unused backup code used; false when there is none with this hash. One winner under races. */
  async claimBackupCode(userId: string, codeHash: string, now: Date, manager?: EntityManager): Promise<boolean> {
    const result: unknown = await this.q(manager).query(
      `UPDATE mfa_backup_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
      [userId, codeHash, now],
    );
    return affectedRows(result) > 0;
  }

  /**
   * Turns 2FA off: secrets, the replay marker, every backup code and every passkey go. Undefined when it
   * was off already; else how many passkeys went.
   */
  async disable(userId: string, manager: EntityManager): Promise<{ removedPasskeys: number } | undefined> {
    const wasOn = await this.columns.disable(userId, manager);
    await manager.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
    const removedPasskeys = await this.passkeys.deleteAllForUser(userId, manager);
    return wasOn ? { removedPasskeys } : undefined;
  }

  /**
   * The old set dies with the new one. The user's row is locked first: the lock order of every transaction
   * touching users and per-user tables (the new codes' foreign key reaches the row), so it can't deadlock
   * with an account deletion or a 2FA disable.
   */
  async replaceBackupCodes(userId: string, codeHashes: string[], now: Date, manager: EntityManager): Promise<void> {
    await manager.query(`SELECT id FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    await this.insertBackupCodes(manager, userId, codeHashes, now);
  }

  async countBackupCodesUsedSince(since: Date): Promise<number> {
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM mfa_backup_codes WHERE used_at >= $1`,
      [since],
    );
    return count;
  }

  async countUnusedBackupCodes(userId: string, manager?: EntityManager): Promise<number> {
    const [{ count }] = await this.q(manager).query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM mfa_backup_codes WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
    return count;
  }

  async deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
    await manager.query(`DELETE FROM mfa_challenges WHERE user_id = $1`, [userId]);
    await this.passkeys.deleteAllForUser(userId, manager);
  }

  countPasskeys(userId: string): Promise<number> {
    return this.passkeys.countForUser(userId);
  }
}
