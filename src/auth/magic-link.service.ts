import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { AccountMails } from '../mail/account-mails';
import { AuthMetrics } from '../metrics/auth-metrics';
import { UsersService } from '../users/users.service';
import { LinkTokens } from './link-tokens.service';
import { magicLinksTarget } from './magic-link-flag';

/**
 * `POST /auth/magic-link`: mails a passwordless sign-in link to an account the `passwordless_auth` flag
 * targets; the answer is 202 either way.
 */
@Injectable()
export class MagicLinkService {
  constructor(
    private readonly users: UsersService,
    private readonly linkTokens: LinkTokens,
    private readonly flags: FeatureFlagService,
    private readonly mails: AccountMails,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Mails a sign-in link when the email belongs to an account the flag targets; silent otherwise. */
  async request(email: string): Promise<void> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) {
      this.metrics.magicLinkRequests.inc({ status: 'unknown_account' });
      await this.audit.record({ type: 'magic_link.requested', details: { account: 'unknown' } });
      return;
    }
    if (!(await magicLinksTarget(this.flags, user))) {
      this.metrics.magicLinkRequests.inc({ status: 'not_targeted' });
      await this.audit.record({ type: 'magic_link.requested', userId: user.id, details: { sent: false } });
      return;
    }
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.linkTokens.issue(user.id, 'magic_link', manager);
      await this.audit.record({ type: 'magic_link.requested', userId: user.id, details: { sent: true } }, manager);
      return issued;
    });
    this.metrics.magicLinkRequests.inc({ status: 'sent' });
    this.mails.magicLink(user.email, token, this.linkTokens.lifetimeMinutes('magic_link'));
  }
}
