import { sessionEnded } from '../session/session-ended';
import { affectedRows } from '../database/affected-rows';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MfaState, UserMfaColumns } from '../users/user-mfa-columns.service';

/** Backup codes and pending 2FA sign-ins, and the 2FA state of the user row through `UserMfaColumns`. */
@Injectable()
export class MfaRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly columns: UserMfaColumns,
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
   * Turns 2FA on with the pending secret that was verified, records the verified step as used (so the
   * enabling code can't sign anyone in), and replaces the backup codes. False when the pending secret
   * changed meanwhile or 2FA is already on.
   */
  async enable(
    userId: string,
    pendingEncrypted: string,
    step: number,
    now: Date,
    codeHashes: string[],
    manager: EntityManager,
  ): Promise<boolean> {
    if (!(await this.columns.enable(userId, pendingEncrypted, step, now, manager))) return false;
    await this.insertBackupCodes(manager, userId, codeHashes, now);
    return true;
  }

  private async insertBackupCodes(manager: EntityManager, userId: string, hashes: string[], now: Date): Promise<void> {
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

  /** Turns 2FA off: secrets, the replay marker and every backup code go. False when it was off already. */
  async disable(userId: string, manager: EntityManager): Promise<boolean> {
    const wasOn = await this.columns.disable(userId, manager);
    await manager.query(`DELETE FROM mfa_backup_codes WHERE user_id = $1`, [userId]);
    return wasOn;
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
  }
}
