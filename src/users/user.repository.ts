import { affectedRows, returnedRows } from '../database/affected-rows';
import { columnList, hydrate } from '../database/hydrate';
import { preparedQuery } from '../database/prepared-query';
import type { Role } from '../common/auth/auth-user';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, ObjectLiteral, QueryFailedError } from 'typeorm';
import { canonicalEmail, emailSkeleton } from '../common/email-address';
import { MFA_SECRET_COLUMNS, MfaState, mfaStateOf, MfaStateRow, totpStepClaim } from './user-mfa-columns.service';
import { UserEntity } from './user.entity';

const UNIQUE_VIOLATION = '23505';

/** A pending 2FA login's account, and the 2FA state its second factor is checked against. */
export interface PendingAccount {
  user: UserEntity;
  mfa: MfaState;
}

/**
 * What the login stamp did: `stamped`; `gone`, changing nothing, when the account was deleted meanwhile;
 * `replayed`, changing nothing, when the TOTP step it was to claim was used meanwhile (or 2FA went off).
 */
export type LoginStamp = 'stamped' | 'gone' | 'replayed';

const LOGIN_STAMP = 'failed_login_attempts = 0, locked_until = NULL, last_login_at = $2';
const STAMP_CLAIM = totpStepClaim('$3');

export interface FailureOutcome {
  lockedUntil: Date | null;
  /** This attempt is the one that locked the account (not one racing in after it). */
  lockedNow: boolean;
}

@Injectable()
export class UserRepository {
  private readonly columns: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.columns = columnList(dataSource, UserEntity);
  }

  private get repo() {
    return this.dataSource.getRepository(UserEntity);
  }

  /**
   * Inserts a user with the email in NFC and its confusable skeleton. Fails with an error `isEmailTaken`
   * recognizes when the email is taken (case-insensitively) or looks like a taken one (same skeleton):
   * unique indexes decide, so of two registrations racing for look-alikes one wins and one gets the error.
   */
  createUser(
    user: Pick<UserEntity, 'email' | 'displayName' | 'passwordHash' | 'createdAt' | 'passwordChangedAt'>,
    manager: EntityManager,
    roles: Role[] = ['user'],
  ): Promise<UserEntity> {
    const repo = manager.getRepository(UserEntity);
    const email = canonicalEmail(user.email);
    return repo.save(repo.create({ ...user, email, emailSkeleton: emailSkeleton(email), roles }));
  }

  /** Accounts matching `query` in email or display name, oldest first, after the cursor position. */
  search(query: string | undefined, after: { createdAt: Date; id: string } | undefined, limit: number) {
    const builder = this.repo.createQueryBuilder('u').where('u.deleted_at IS NULL');
    if (query) {
      const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      builder.andWhere('(lower(u.email) LIKE :pattern OR lower(u.display_name) LIKE :pattern)', { pattern });
    }
    if (after) {
      builder.andWhere('(u.created_at, u.id) > (:createdAt, :id)', { createdAt: after.createdAt, id: after.id });
    }
    return builder.orderBy('u.created_at', 'ASC').addOrderBy('u.id', 'ASC').limit(limit).getMany();
  }

  async counts(now: Date): Promise<{ users: number; lockedUsers: number }> {
    const [row] = await this.dataSource.query<{ users: number; locked: number }[]>(
      `SELECT count(*)::int AS users, count(*) FILTER (WHERE locked_until > $1)::int AS locked
         FROM users WHERE deleted_at IS NULL`,
      [now],
    );
    return { users: row.users, lockedUsers: row.locked };
  }

  async hasAdmin(): Promise<boolean> {
    const [row] = await this.dataSource.query<{ found: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM users WHERE 'admin' = ANY (roles) AND deleted_at IS NULL) AS found`,
    );
    return row.found;
  }

  async requirePasswordChange(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE users SET must_change_password = true WHERE id = $1`, [userId]);
  }

  static isEmailTaken(error: unknown): boolean {
    return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION;
  }

  /**
   * Every login starts here, so plain SQL as `findActiveById`; matches the email case-insensitively,
   * in NFC as it is stored, so an email typed in decomposed form finds its account.
   */
  async findActiveByEmail(email: string): Promise<UserEntity | null> {
    const [row] = await preparedQuery(
      this.dataSource.manager,
      'user-find-active-by-email',
      `SELECT ${this.columns} FROM users WHERE lower(email) = lower($1) AND deleted_at IS NULL`,
      [canonicalEmail(email)],
    );
    return row ? hydrate(this.dataSource, UserEntity, row) : null;
  }

  /** On every authenticated request that needs the account, so plain SQL (see `hydrate`). */
  async findActiveById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    const [row] = await preparedQuery(
      manager ?? this.dataSource.manager,
      'user-find-active-by-id',
      `SELECT ${this.columns} FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return row ? hydrate(this.dataSource, UserEntity, row) : null;
  }

  /**
   * The account behind a pending 2FA login, only while its challenge is open, with its 2FA state (which the
   * second factor is checked against): all in one round trip.
   */
  async findPendingSignIn(id: string, challengeId: string, now: Date): Promise<PendingAccount | null> {
    const [row] = await preparedQuery<ObjectLiteral & MfaStateRow>(
      this.dataSource.manager,
      'user-find-pending-sign-in',
      `SELECT ${this.columns}, ${MFA_SECRET_COLUMNS} FROM users
        WHERE id = $1 AND deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM mfa_challenges c
                       WHERE c.id = $2 AND c.user_id = $1 AND c.used_at IS NULL AND c.expires_at > $3)`,
      [id, challengeId, now],
    );
    return row ? { user: hydrate(this.dataSource, UserEntity, row), mfa: mfaStateOf(row) } : null;
  }

  /**
   * Counts a failed attempt under a row lock: a lock that has lapsed starts the count again, and the
   * attempt that reaches `maxAttempts` locks the account until `now + lockMs`.
   */
  async recordFailedAttempt(
    userId: string,
    now: Date,
    maxAttempts: number,
    lockMs: number,
    manager: EntityManager,
  ): Promise<FailureOutcome> {
    const [row] = await manager.query<{ failed_login_attempts: number; locked_until: Date | null }[]>(
      `SELECT failed_login_attempts, locked_until FROM users WHERE id = $1 FOR UPDATE`,
      [userId],
    );
    if (row.locked_until && row.locked_until > now) return { lockedUntil: row.locked_until, lockedNow: false };
    const lapsed = row.locked_until !== null;
    const attempts = (lapsed ? 0 : row.failed_login_attempts) + 1;
    const lockedUntil = attempts >= maxAttempts ? new Date(now.getTime() + lockMs) : null;
    await manager.query(`UPDATE users SET failed_login_attempts = $2, locked_until = $3 WHERE id = $1`, [
      userId,
      lockedUntil ? 0 : attempts,
      lockedUntil,
    ]);
    return { lockedUntil, lockedNow: lockedUntil !== null };
  }

  async replacePassword(userId: string, passwordHash: string, now: Date, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = false, updated_at = $3
        WHERE id = $1`,
      [userId, passwordHash, now],
    );
  }

  /** Records when MFA enforcement first applied (once; a concurrent first login keeps the earlier time). */
  async startMfaEnforcement(userId: string, now: Date, manager: EntityManager): Promise<Date> {
    const [row] = returnedRows<{ since: Date }>(
      await manager.query(
        `UPDATE users SET mfa_enforced_since = COALESCE(mfa_enforced_since, $2) WHERE id = $1
          RETURNING mfa_enforced_since AS since`,
        [userId, now],
      ),
    );
    return row.since;
  }

  /**
   * Erases a deleted account's personal data: email and name replaced (the email's skeleton cleared, so
   * look-alikes of it are free again), the password made unusable, 2FA and roles removed. The row stays (deleted_at set) so the audit trail's user id still
   * resolves to "a deleted account" and nothing else.
   */
  async scrub(userId: string, now: Date, manager: EntityManager): Promise<void> {
    await manager.query(
      `UPDATE users SET email = 'deleted-' || id || '@deleted.invalid', email_skeleton = NULL,
              display_name = NULL, password_hash = '!', roles = '{}', email_verified_at = NULL,
              failed_login_attempts = 0, locked_until = NULL,
              mfa_enabled = false, mfa_secret_encrypted = NULL, mfa_pending_secret_encrypted = NULL,
              mfa_last_used_step = NULL, mfa_enabled_at = NULL, mfa_enforced_since = NULL,
              last_login_at = NULL, updated_at = $2, deleted_at = $2
        WHERE id = $1`,
      [userId, now],
    );
  }

  async clearFailures(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`UPDATE users SET failed_login_attempts = 0, locked_until = NULL WHERE id = $1`, [userId]);
  }

  async markEmailVerified(userId: string, now: Date, manager: EntityManager): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE users SET email_verified_at = $2, updated_at = $2 WHERE id = $1 AND email_verified_at IS NULL`,
      [userId, now],
    );
    return affectedRows(result) > 0;
  }

  /**
   * The failure counter reset and the login's time, and with `totpStep` the claim of that TOTP step: one
   * statement on the row (a 2FA sign-in's round trip fewer). Locks the row (FOR NO KEY UPDATE, which every
   * other per-user lock conflicts with); a claim that loses a race waits for the winner's commit, then
   * finds the step used. Only a refusal reads the row again, to tell a deleted account from a replay.
   */
  async recordSuccessfulLogin(
    userId: string,
    now: Date,
    manager: EntityManager,
    totpStep?: number,
  ): Promise<LoginStamp> {
    const stamped =
      totpStep === undefined
        ? await preparedQuery(
            manager,
            'user-record-login',
            `UPDATE users SET ${LOGIN_STAMP} WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
            [userId, now],
          )
        : await preparedQuery(
            manager,
            'user-record-login-totp',
            `UPDATE users SET ${LOGIN_STAMP}, ${STAMP_CLAIM.set}
              WHERE id = $1 AND deleted_at IS NULL AND ${STAMP_CLAIM.where}
              RETURNING id`,
            [userId, now, totpStep],
          );
    if (stamped.length > 0) return 'stamped';
    if (totpStep === undefined) return 'gone';
    const live = await preparedQuery(
      manager,
      'user-is-live',
      `SELECT id FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return live.length > 0 ? 'replayed' : 'gone';
  }
}
