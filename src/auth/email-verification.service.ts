import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { afterReply } from '../common/after-reply';
import { Config } from '../config/configuration';
import { AccountMails } from '../mail/account-mails';
import { EMAIL_VERIFICATION_TTL_HOURS, LinkTokens } from './link-tokens.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';

/** Verification links live this long; a new one (resend) replaces the old. */

/** EMAIL_VERIFICATION: off (no mails), optional (mailed, not enforced) or required (login waits for it). */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);

  constructor(
    private readonly users: UsersService,
    private readonly linkTokens: LinkTokens,
    private readonly mails: AccountMails,
    private readonly audit: AuditService,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  get mode(): 'off' | 'optional' | 'required' {
    return this.config.get('security.emailVerification', { infer: true });
  }

  /** Issues a link inside the registration's transaction; answers the mail to send after commit. */
  async issueAtRegistration(user: UserEntity, manager: EntityManager): Promise<(() => void) | undefined> {
    if (this.mode === 'off') return undefined;
    const token = await this.linkTokens.issue(user.id, 'email_verify', manager);
    return () => this.mails.emailVerification(user.email, token, EMAIL_VERIFICATION_TTL_HOURS);
  }

  async verify(token: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const userId = await this.linkTokens.consume(token, 'email_verify', manager);
      if (await this.users.markEmailVerified(userId, manager)) {
        await this.audit.record({ type: 'email.verified', userId }, manager);
      }
    });
  }

  /**
   * Mails a fresh link to an unverified account; silent otherwise, so the answer (202) tells nothing.
   * The answer waits for the account lookup alone, which every address costs the same: the link is
   * issued, audited and mailed after the reply, so the time can't tell who has an account either.
   */
  async resend(email: string): Promise<void> {
    if (this.mode === 'off') return;
    const user = await this.users.findActiveByEmail(email);
    afterReply(this.logger, 'Verification resend', () => this.resendTo(user));
  }

  private async resendTo(user: UserEntity | null): Promise<void> {
    if (!user || user.emailVerifiedAt) {
      await this.audit.record({
        type: 'email.verification_requested',
        userId: user?.id ?? null,
        details: user ? { sent: false } : { account: 'unknown' },
      });
      return;
    }
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.linkTokens.issue(user.id, 'email_verify', manager);
      await this.audit.record({ type: 'email.verification_sent', userId: user.id }, manager);
      return issued;
    });
    this.mails.emailVerification(user.email, token, EMAIL_VERIFICATION_TTL_HOURS);
  }
}
