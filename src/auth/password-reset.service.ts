import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { afterReply } from '../common/after-reply';
import { AccountMails } from '../mail/account-mails';
import { SecurityNotifications } from '../mail/security-notifications';
import { SessionService } from '../session/session.service';
import { PasswordReplacement } from '../users/password-replacement.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LinkTokens } from './link-tokens.service';

/** `POST /auth/password/forgot` and `/password/reset`: a new password through a link in mail. */
@Injectable()
export class PasswordReset {
  private readonly logger = new Logger(PasswordReset.name);

  constructor(
    private readonly users: UsersService,
    private readonly replacement: PasswordReplacement,
    private readonly linkTokens: LinkTokens,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly mails: AccountMails,
    private readonly notifications: SecurityNotifications,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

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
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.linkTokens.issue(user.id, 'password_reset', manager);
      await this.audit.record({ type: 'password.reset_requested', userId: user.id }, manager);
      return issued;
    });
    this.mails.passwordReset(user.email, token, this.linkTokens.lifetimeMinutes('password_reset'));
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
      await this.replacement.replace(account, newPassword, manager);
      await this.users.clearFailures(account.id, manager);
      if (!account.emailVerifiedAt) await this.users.markEmailVerified(account.id, manager);
      await this.sessions.revokeAllForUser(account.id, 'password_reset', { manager });
      await this.audit.record({ type: 'password.reset_completed', userId: account.id }, manager);
      return account;
    });
    this.notifications.passwordReset(user.email);
  }
}
