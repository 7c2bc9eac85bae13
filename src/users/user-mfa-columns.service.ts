import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows, returnedRows } from '../database/affected-rows';
import { preparedQuery } from '../database/prepared-query';

/** The 2FA columns of a user row (DESIGN section 5 keeps them on `users`), as the Mfa module reads them. */
export interface MfaState {
  email: string;
  passwordHash: string;
  enabled: boolean;
  enabledAt: Date | null;
  secretEncrypted: string | null;
  pendingSecretEncrypted: string | null;
}

/** The 2FA columns `UserEntity` leaves out: with the entity's own, a row gives `MfaState`. */
export const MFA_SECRET_COLUMNS = 'mfa_secret_encrypted, mfa_pending_secret_encrypted';
const MFA_STATE_COLUMNS = `email, password_hash, mfa_enabled, mfa_enabled_at, ${MFA_SECRET_COLUMNS}`;

export interface MfaStateRow {
  email: string;
  password_hash: string;
  mfa_enabled: boolean;
  mfa_enabled_at: Date | null;
  mfa_secret_encrypted: string | null;
  mfa_pending_secret_encrypted: string | null;
}

/**
 * A TOTP step's claim on the user row, with the step as parameter `param`: it is later than every step
 * used before, with 2FA on; claiming it records it as the last one used. `claimTotpStep` runs it alone,
 * the login stamp (`UserRepository.recordSuccessfulLogin`) in its own statement.
 */
export function totpStepClaim(param: string): { set: string; where: string } {
  return {
    set: `mfa_last_used_step = ${param}`,
    where: `mfa_enabled AND (mfa_last_used_step IS NULL OR mfa_last_used_step < ${param})`,
  };
}

const STANDALONE_CLAIM = totpStepClaim('$2');

export function mfaStateOf(row: MfaStateRow): MfaState {
  return {
    email: row.email,
    passwordHash: row.password_hash,
    enabled: row.mfa_enabled,
    enabledAt: row.mfa_enabled_at,
    secretEncrypted: row.mfa_secret_encrypted,
    pendingSecretEncrypted: row.mfa_pending_secret_encrypted,
  };
}

/**
 * The `mfa_*` columns of the user row. The Users module owns the table, so the statements live here;
 * what they mean (TOTP, replay, key rotation) is the Mfa module's, its only caller.
 */
@Injectable()
export class UserMfaColumns {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** On every 2FA step and proof, so a prepared statement (see `preparedQuery`). */
  async findState(userId: string, manager?: EntityManager): Promise<MfaState | null> {
    const [row] = await preparedQuery<MfaStateRow>(
      this.q(manager),
      'user-mfa-state',
      `SELECT ${MFA_STATE_COLUMNS} FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return row ? mfaStateOf(row) : null;
  }

  /** Replaces any earlier pending secret; false when TOTP is already on. */
  async setPendingSecret(userId: string, encrypted: string, manager: EntityManager): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE users SET mfa_pending_secret_encrypted = $2 WHERE id = $1 AND mfa_secret_encrypted IS NULL`,
      [userId, encrypted],
    );
    return affectedRows(result) > 0;
  }

  /** Records the step as used; false when it (or a later one) was used already: a replay. */
  async claimTotpStep(userId: string, step: number, manager?: EntityManager): Promise<boolean> {
    const claimed = await preparedQuery(
      this.q(manager),
      'user-mfa-claim-step',
      `UPDATE users SET ${STANDALONE_CLAIM.set} WHERE id = $1 AND ${STANDALONE_CLAIM.where} RETURNING id`,
      [userId, step],
    );
    return claimed.length > 0;
  }

  async countEnabledUsers(): Promise<number> {
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM users WHERE mfa_enabled AND deleted_at IS NULL`,
    );
    return count;
  }

  /** A batch of users whose TOTP secrets are not (all) written under `keyId`. */
  findSecretsNotUnderKey(
    keyId: string,
    limit: number,
  ): Promise<{ id: string; secret: string | null; pending: string | null }[]> {
    return this.dataSource.query(
      `SELECT id, mfa_secret_encrypted AS secret, mfa_pending_secret_encrypted AS pending FROM users
        WHERE (mfa_secret_encrypted IS NOT NULL AND split_part(mfa_secret_encrypted, ':', 2) <> $1)
           OR (mfa_pending_secret_encrypted IS NOT NULL AND split_part(mfa_pending_secret_encrypted, ':', 2) <> $1)
        ORDER BY id LIMIT $2`,
      [keyId, limit],
    );
  }

  /** Writes re-encrypted secrets, unless they changed meanwhile (then the next pass picks them up). */
  async replaceSecrets(
    userId: string,
    before: { secret: string | null; pending: string | null },
    after: { secret: string | null; pending: string | null },
  ): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE users SET mfa_secret_encrypted = $4, mfa_pending_secret_encrypted = $5
        WHERE id = $1 AND mfa_secret_encrypted IS NOT DISTINCT FROM $2
          AND mfa_pending_secret_encrypted IS NOT DISTINCT FROM $3`,
      [userId, before.secret, before.pending, after.secret, after.pending],
    );
    return affectedRows(result) > 0;
  }

  /**
   * Turns TOTP on with the pending secret that was verified, and with it 2FA if no passkey had, recording
   * the verified step as used (so the enabling code can't sign anyone in). Undefined when the pending
   * secret changed meanwhile or TOTP is on; else whether 2FA was on before (a passkey).
   */
  async enableTotp(
    userId: string,
    pendingEncrypted: string,
    step: number,
    now: Date,
    manager: EntityManager,
  ): Promise<{ wasEnabled: boolean } | undefined> {
    const [row] = returnedRows<{ was: boolean }>(
      await manager.query(
        `UPDATE users u SET mfa_enabled = true, mfa_secret_encrypted = u.mfa_pending_secret_encrypted,
              mfa_pending_secret_encrypted = NULL, mfa_enabled_at = COALESCE(u.mfa_enabled_at, $3),
              mfa_last_used_step = $4
         FROM (SELECT id, mfa_enabled AS was FROM users WHERE id = $1 FOR UPDATE) old
        WHERE u.id = old.id AND u.mfa_secret_encrypted IS NULL AND u.mfa_pending_secret_encrypted = $2
        RETURNING old.was`,
        [userId, pendingEncrypted, now, step],
      ),
    );
    return row ? { wasEnabled: row.was } : undefined;
  }

  /**
   * Marks 2FA on because a second factor other than TOTP (a passkey) was added; whether it was on before.
   * Locks the row first (the lock order of every transaction touching users and per-user tables).
   */
  async markEnabled(userId: string, now: Date, manager: EntityManager): Promise<{ wasEnabled: boolean }> {
    const [row] = returnedRows<{ was: boolean }>(
      await manager.query(
        `UPDATE users u SET mfa_enabled = true, mfa_enabled_at = COALESCE(u.mfa_enabled_at, $2)
         FROM (SELECT id, mfa_enabled AS was FROM users WHERE id = $1 FOR UPDATE) old
        WHERE u.id = old.id
        RETURNING old.was`,
        [userId, now],
      ),
    );
    return { wasEnabled: row?.was ?? false };
  }

  /** Turns 2FA off: the TOTP secrets and the replay marker go. False when it was off already. */
  async disable(userId: string, manager: EntityManager): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE users SET mfa_enabled = false, mfa_secret_encrypted = NULL, mfa_pending_secret_encrypted = NULL,
              mfa_enabled_at = NULL, mfa_last_used_step = NULL WHERE id = $1 AND mfa_enabled`,
      [userId],
    );
    return affectedRows(result) > 0;
  }
}
