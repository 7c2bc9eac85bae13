import { Injectable, NotFoundException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { AccountMails } from '../mail/account-mails';
import { AuthMetrics } from '../metrics/auth-metrics';
import { AccountLockout } from '../lockout/account-lockout.service';
import { AuthError, AuthException } from './auth.exception';
import { AuthService } from './auth.service';
import { LoginResponseDto } from './dto/login-response.dto';
import { LinkTokens } from './link-tokens.service';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';

const FLAG = 'passwordless_auth';

/**
 * Passwordless sign-in by a link in mail, behind the `passwordless_auth` flag. The flag's switch
 * decides whether the routes exist at all (404 when off); its targeting (allow-list, roles, percent)
 * decides, per account, whether a link is actually sent: the answer is 202 either way.
 */
@Injectable()
export class MagicLinkService {
  constructor(
    private readonly users: UserRepository,
    private readonly linkTokens: LinkTokens,
    private readonly auth: AuthService,
    private readonly lockout: AccountLockout,
    private readonly flags: FeatureFlagService,
    private readonly mails: AccountMails,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Mails a sign-in link when the email belongs to an account the flag targets; silent otherwise. */
  async request(email: string): Promise<void> {
    await this.assertSwitchedOn();
    const user = await this.users.findActiveByEmail(email);
    if (!user) {
      this.metrics.magicLinkRequests.inc({ status: 'unknown_account' });
      await this.audit.record({ type: 'magic_link.requested', details: { account: 'unknown' } });
      return;
    }
    if (!(await this.targets(user))) {
      this.metrics.magicLinkRequests.inc({ status: 'not_targeted' });
      await this.audit.record({ type: 'magic_link.requested', userId: user.id, details: { sent: false } });
      return;
    }
    const ttlMinutes = this.config.get('security.magicLinkTtlMinutes', { infer: true });
    const token = await this.dataSource.transaction(async (manager) => {
      const issued = await this.linkTokens.issue(user.id, 'magic_link', ttlMinutes * 60_000, manager);
      await this.audit.record({ type: 'magic_link.requested', userId: user.id, details: { sent: true } }, manager);
      return issued;
    });
    this.metrics.magicLinkRequests.inc({ status: 'sent' });
    this.mails.magicLink(user.email, token, ttlMinutes);
  }

  /**
   * Signs in with the link's token: answers like a password login (`mfa_required` when 2FA is on, 423
   * when locked). The link works once; used, replaced or expired: 410. It also confirms the address.
   * Every check that may refuse the sign-in comes first, so a refused link stays usable (after the lock
   * ends, say); it is used up in the transaction that starts the session or the pending 2FA login.
   */
  async verify(token: string): Promise<LoginResponseDto> {
    await this.assertSwitchedOn();
    const userId = await this.linkTokens
      .userOf(token, 'magic_link', this.dataSource.manager)
      .catch((error: unknown) => this.countLinkFailure(error));
    const user = await this.users.findActiveById(userId);
    if (!user || !(await this.targets(user))) {
      this.metrics.magicLinkVerifications.inc({ result: 'refused' });
      throw new AuthException(AuthError.LinkTokenGone, 'This link is no longer valid; sign in with your password');
    }
    const now = this.clock.now();
    try {
      await this.lockout.assertNotLocked(user, now);
    } catch (error) {
      this.metrics.magicLinkVerifications.inc({ result: 'refused' });
      throw error;
    }
    const response = await this.auth
      .afterFirstFactor(user, 'email', async (manager) => {
        await this.linkTokens.consume(token, 'magic_link', manager);
        await this.audit.record({ type: 'magic_link.used', userId }, manager);
        if (!user.emailVerifiedAt) await this.users.markEmailVerified(userId, now, manager);
      })
      .catch((error: unknown) => this.countLinkFailure(error));
    this.metrics.magicLinkVerifications.inc({ result: 'success' });
    return response;
  }

  /** Counts a link that is unknown, or used or expired (a concurrent request may have used it meanwhile); rethrows. */
  private countLinkFailure(error: unknown): never {
    if (error instanceof AuthException && error.code === AuthError.InvalidLinkToken) {
      this.metrics.magicLinkVerifications.inc({ result: 'invalid' });
    } else if (error instanceof AuthException && error.code === AuthError.LinkTokenGone) {
      this.metrics.magicLinkVerifications.inc({ result: 'expired_or_used' });
    }
    throw error;
  }

  private async assertSwitchedOn(): Promise<void> {
    if (!(await this.flags.isSwitchedOn(FLAG))) throw new NotFoundException('Not found');
  }

  private targets(user: UserEntity): Promise<boolean> {
    return this.flags.isEnabled(FLAG, { id: user.id, email: user.email, roles: user.roles });
  }
}
