import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { afterReply } from '../common/after-reply';
import { Clock } from '../common/clock/clock';
import { AuthUser } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { SessionService } from '../session/session.service';
import { AuditService } from '../audit/audit.service';
import { AccountMails } from '../mail/account-mails';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthError, AuthException } from './auth.exception';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { PasswordHistoryRepository } from '../passwords/password-history.repository';
import { ProofService } from '../lockout/proof.service';
import { PasswordPolicy } from '../passwords/password-policy.service';
import { LinkTokens } from './link-tokens.service';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { PasswordError, PasswordException } from '../passwords/password.exception';

/**
 * Password changes (proof of the current password) and resets (a mailed link): the policy, the
 * history, and sessions ended.
 */
@Injectable()
export class PasswordService {
  private readonly logger = new Logger(PasswordService.name);

  constructor(
    private readonly users: UserRepository,
    private readonly history: PasswordHistoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly policy: PasswordPolicy,
    private readonly proof: ProofService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly notifications: SecurityNotifications,
    private readonly accountMails: AccountMails,
    private readonly linkTokens: LinkTokens,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Needs the current password, proved on the failure counter (`ProofService`); ends the other sessions. */
  async change(caller: AuthUser, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.proof.prove(caller.userId, 'password_change', { password: currentPassword });
    this.assertPolicy(newPassword, user.email);
    await this.dataSource.transaction(async (manager) => {
      await this.setNewPassword(user, newPassword, manager);
      await this.sessions.revokeAllForUser(user.id, 'password_changed', { keepId: caller.sessionId, manager });
      await this.sessions.promoteToFull(caller.sessionId, manager);
      await this.audit.record({ type: 'password.changed', userId: user.id }, manager);
    });
    this.notifications.passwordChanged(user.email);
  }

  /**
   * Mails a reset link when the email belongs to an account; answers the same either way, so the
   * caller (always 202) can't tell. A newer link replaces older ones. The answer waits for the account
   * lookup alone: the link is issued, audited and mailed after the reply, so its time tells nothing.
   */
  async forgot(email: string): Promise<void> {
    const user = await this.users.findActiveByEmail(email);
    afterReply(this.logger, 'Password reset request', () => this.mailResetLink(user));
  }

  private async mailResetLink(user: UserEntity | null): Promise<void> {
    if (!user) {
      await this.audit.record({ type: 'password.reset_requested', details: { account: 'unknown' } });
      return;
    }
    const ttlMinutes = this.config.get('security.passwordResetTtlMinutes', { infer: true });
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.linkTokens.issue(user.id, 'password_reset', ttlMinutes * 60_000, manager);
      await this.audit.record({ type: 'password.reset_requested', userId: user.id }, manager);
      return issued;
    });
    this.accountMails.passwordReset(user.email, token, ttlMinutes);
  }

  /**
   * Sets a new password with a reset link: the policy and history apply, every session ends, failed
   * attempts and a lockout are cleared, and the address counts as verified (the link proved it). 2FA
   * stays on: the next login still asks for the second factor. A refused password leaves the link usable.
   */
  async reset(token: string, newPassword: string): Promise<void> {
    const user = await this.dataSource.transaction(async (manager) => {
      const userId = await this.linkTokens.consume(token, 'password_reset', manager);
      const account = await this.users.findActiveById(userId, manager);
      if (!account) throw new AuthException(AuthError.LinkTokenGone, 'This link is no longer valid');
      this.assertPolicy(newPassword, account.email);
      await this.setNewPassword(account, newPassword, manager);
      const now = this.clock.now();
      await this.users.clearFailures(account.id, manager);
      if (!account.emailVerifiedAt) await this.users.markEmailVerified(account.id, now, manager);
      await this.sessions.revokeAllForUser(account.id, 'password_reset', { manager });
      await this.audit.record({ type: 'password.reset_completed', userId: account.id }, manager);
      return account;
    });
    this.notifications.passwordReset(user.email);
  }

  /** 400 `weak_password` with the reasons (see PasswordPolicy). */
  assertPolicy(password: string, email: string): void {
    this.policy.assert(password, email);
  }

  /** Checks the history, then stores the new hash and remembers the old one. */
  private async setNewPassword(user: UserEntity, newPassword: string, manager: EntityManager): Promise<void> {
    const keep = Math.max(1, this.config.get('security.passwordHistoryCount', { infer: true }));
    const earlier = [user.passwordHash, ...(await this.history.recentHashes(user.id, keep, manager))];
    for (const hash of earlier.slice(0, keep)) {
      if (await this.hasher.verify(newPassword, hash)) {
        throw new PasswordException(
          PasswordError.PasswordReused,
          `The new password must differ from your last ${keep} passwords`,
        );
      }
    }
    const newHash = await this.hasher.hash(newPassword);
    const now = this.clock.now();
    await this.users.replacePassword(user.id, newHash, now, manager);
    await this.history.remember(
      user.id,
      user.passwordHash,
      now,
      this.config.get('security.passwordHistoryCount', { infer: true }),
      manager,
    );
  }
}
