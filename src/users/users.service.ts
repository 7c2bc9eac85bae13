import { TrustedDevices } from '../devices/trusted-devices.service';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuthUser, Role } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { AuthMetrics } from '../metrics/auth-metrics';
import { PasswordExpiry } from '../passwords/password-expiry';
import { sessionEnded } from '../session/session-ended';
import { MeResponseDto } from './dto/me-response.dto';
import { UserResponseDto } from './dto/user-response.dto';
import { UserError, UserException } from './user.exception';
import { UserEntity } from './user.entity';
import { FailureOutcome, LoginStamp, PendingAccount, UserRepository } from './user.repository';

export type { PendingAccount };

export type NewUser = Pick<UserEntity, 'email' | 'displayName' | 'passwordHash' | 'createdAt' | 'passwordChangedAt'>;

/**
 * The users table for every other module: the only way they read or change an account's row. What
 * each change means (a lockout, a verified email, a replaced password) is decided by the caller.
 */
@Injectable()
export class UsersService implements OnModuleInit {
  constructor(
    private readonly users: UserRepository,
    private readonly expiry: PasswordExpiry,
    private readonly clock: Clock,
    private readonly metrics: AuthMetrics,
    private readonly devices: TrustedDevices,
  ) {}

  onModuleInit(): void {
    this.metrics.countUsersWith(async () => (await this.users.counts(this.clock.now())).users);
  }

  /**
   * Inserts the account; 409 `email_taken` when the email (case-insensitively) or a look-alike of it
   * (same confusable skeleton) is taken: the unique indexes decide, so of two racing look-alikes one wins.
   */
  async create(user: NewUser, manager: EntityManager, roles: Role[] = ['user']): Promise<UserEntity> {
    try {
      return await this.users.createUser(user, manager, roles);
    } catch (error) {
      if (UserRepository.isEmailTaken(error)) {
        throw new UserException(UserError.EmailTaken, 'An account with this email already exists');
      }
      throw error;
    }
  }

  findActiveByEmail(email: string): Promise<UserEntity | null> {
    return this.users.findActiveByEmail(email);
  }

  findActiveById(id: string, manager?: EntityManager): Promise<UserEntity | null> {
    return this.users.findActiveById(id, manager);
  }

  /** The account behind a pending 2FA login, only while its challenge is open, with its 2FA state. */
  findPendingSignIn(id: string, challengeId: string, now: Date): Promise<PendingAccount | null> {
    return this.users.findPendingSignIn(id, challengeId, now);
  }

  /** The login stamp under the row lock, with the claim of a TOTP step (see `LoginStamp`). */
  recordSuccessfulLogin(userId: string, now: Date, manager: EntityManager, totpStep?: number): Promise<LoginStamp> {
    return this.users.recordSuccessfulLogin(userId, now, manager, totpStep);
  }

  /** Counts a failed attempt under the row lock; the attempt reaching `maxAttempts` locks the account. */
  recordFailedAttempt(
    userId: string,
    now: Date,
    maxAttempts: number,
    lockMs: number,
    manager: EntityManager,
  ): Promise<FailureOutcome> {
    return this.users.recordFailedAttempt(userId, now, maxAttempts, lockMs, manager);
  }

  /** A fresh start (unlock, password reset): the account's counter (new devices) and every remembered device's. */
  async clearFailures(userId: string, manager: EntityManager): Promise<void> {
    await this.users.clearFailures(userId, manager);
    await this.devices.clearLocks(userId, manager);
  }

  /** Records that the owner proved control of the address (a link reached them); false when already verified. */
  markEmailVerified(userId: string, manager: EntityManager): Promise<boolean> {
    return this.users.markEmailVerified(userId, this.clock.now(), manager);
  }

  replacePassword(userId: string, passwordHash: string, now: Date, manager: EntityManager): Promise<void> {
    return this.users.replacePassword(userId, passwordHash, now, manager);
  }

  startMfaEnforcement(userId: string, now: Date, manager: EntityManager): Promise<Date> {
    return this.users.startMfaEnforcement(userId, now, manager);
  }

  /** Erases a deleted account's personal data from its row; the row stays for the audit trail's ids. */
  /** Empties a deleted account's row (locking it) and forgets its remembered devices (their IPs and browsers). */
  async scrub(userId: string, manager: EntityManager): Promise<void> {
    await this.users.scrub(userId, this.clock.now(), manager);
    await this.devices.forgetUser(userId, manager);
  }

  /** The caller's account and session; 401 when the account is gone (deleted meanwhile). */
  async me(caller: AuthUser): Promise<MeResponseDto> {
    const account = await this.users.findActiveById(caller.userId);
    if (!account) throw sessionEnded();
    return {
      ...this.describe(account),
      mfaEnabled: account.mfaEnabled,
      passwordExpiresAt: this.expiry.expiresAt(account),
      session: { id: caller.sessionId, aal: caller.aal, scope: caller.scope },
    };
  }

  /** The account as its owner and the API see it. */
  describe(user: UserEntity): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      emailVerified: user.emailVerifiedAt !== null,
    };
  }
}
