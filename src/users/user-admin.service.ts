import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminUserDetailDto, AdminUserPageDto, AdminUserSummaryDto } from './dto/admin-user.dto';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { describeSession } from '../session/dto/session-view.dto';
import { SessionService } from '../session/session.service';
import { hasHiddenCharacter, HIDDEN_CHARACTER_MESSAGE } from '../common/email-address';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { PasswordPolicy } from '../passwords/password-policy.service';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';
import { UserError, UserException } from './user.exception';

/** Who does an admin action: an admin's user id, or `cli` for the operator CLI. */
export type Actor = string;

/** The account side of support work: search, detail, unlock, forced password change, admins. */
@Injectable()
export class UserAdminService {
  constructor(
    private readonly users: UserRepository,
    private readonly accounts: UsersService,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async search(query: string | undefined, cursor: string | undefined, limit: number): Promise<AdminUserPageDto> {
    const after = cursor ? UserAdminService.decodeCursor(cursor) : undefined;
    const rows = await this.users.search(query?.trim() || undefined, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((user) => this.summary(user)),
      nextCursor:
        rows.length > limit && last
          ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString('base64url')
          : null,
    };
  }

  /** Reading an account's details is audited too (`admin.user_viewed`): it is personal data. */
  /** The account's side of the detail; the admin route adds the remembered devices. */
  async detail(userId: string, actor: Actor): Promise<Omit<AdminUserDetailDto, 'devices'>> {
    const user = await this.require(userId);
    await this.audit.record({ type: 'admin.user_viewed', userId: user.id, actorId: actor });
    const sessions = await this.sessions.listActive(user.id);
    return {
      ...this.summary(user),
      lockedUntil: this.isLocked(user) ? user.lockedUntil : null,
      failedLoginAttempts: user.failedLoginAttempts,
      mfaEnabledAt: user.mfaEnabledAt,
      mustChangePassword: user.mustChangePassword,
      passwordChangedAt: user.passwordChangedAt,
      sessions: sessions.map(describeSession),
    };
  }

  findByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findActiveByEmail(email);
  }

  /** Ends a lockout and clears the failure count. */
  async unlock(userId: string, actor: Actor): Promise<void> {
    const user = await this.require(userId);
    await this.dataSource.transaction(async (manager) => {
      await this.accounts.clearFailures(user.id, manager);
      await this.audit.record(
        { type: 'account.unlocked', userId: user.id, actorId: actor, details: { wasLocked: this.isLocked(user) } },
        manager,
      );
    });
  }

  /** The next login must set a new password; every session ends now. */
  async forcePasswordChange(userId: string, actor: Actor): Promise<void> {
    const user = await this.require(userId);
    await this.dataSource.transaction(async (manager) => {
      await this.users.requirePasswordChange(user.id, manager);
      await this.sessions.revokeAllForUser(user.id, 'admin_revoked', { actorId: actor, manager });
      await this.audit.record({ type: 'password.change_forced', userId: user.id, actorId: actor }, manager);
    });
  }

  /** Ends every session of the user (e.g. suspected token theft). */
  async revokeSessions(userId: string, actor: Actor): Promise<number> {
    const user = await this.require(userId);
    return this.sessions.revokeAllForUser(user.id, 'admin_revoked', { actorId: actor });
  }

  async counts(): Promise<{ users: number; lockedUsers: number }> {
    return this.users.counts(this.clock.now());
  }

  /**
   * Creates an admin (email verified) or answers why not: the email must hold no invisible character,
   * the password must meet the policy, and an email that belongs to (or looks like) a non-admin
   * account's is refused rather than promoted.
   */
  async createAdmin(email: string, password: string, actor: Actor): Promise<UserEntity> {
    if (hasHiddenCharacter(email)) throw new UserException(UserError.InvalidEmail, HIDDEN_CHARACTER_MESSAGE);
    this.policy.assert(password, email);
    const now = this.clock.now();
    const passwordHash = await this.hasher.hash(password);
    return this.dataSource.transaction(async (manager) => {
      const admin = await this.accounts.create(
        { email, displayName: null, passwordHash, createdAt: now, passwordChangedAt: now },
        manager,
        ['user', 'admin'],
      );
      await this.accounts.markEmailVerified(admin.id, manager);
      await this.audit.record({ type: 'admin.created', userId: admin.id, actorId: actor }, manager);
      return admin;
    });
  }

  hasAdmin(): Promise<boolean> {
    return this.users.hasAdmin();
  }

  private async require(userId: string): Promise<UserEntity> {
    const user = await this.users.findActiveById(userId);
    if (!user) throw new UserException(UserError.UserNotFound, 'User not found');
    return user;
  }

  private isLocked(user: UserEntity): boolean {
    return user.lockedUntil !== null && user.lockedUntil > this.clock.now();
  }

  private summary(user: UserEntity): AdminUserSummaryDto {
    return {
      ...this.accounts.describe(user),
      mfaEnabled: user.mfaEnabled,
      locked: this.isLocked(user),
      createdAt: user.createdAt,
      lastLoginAt: user.lastLoginAt,
    };
  }

  private static decodeCursor(cursor: string): { createdAt: Date; id: string } {
    const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
    const createdAt = new Date(at);
    if (!id || Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
      throw new UserException(UserError.InvalidCursor, 'cursor is malformed');
    }
    return { createdAt, id };
  }
}
