import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { AccountLockout } from '../lockout/account-lockout.service';
import { AuthMetrics } from '../metrics/auth-metrics';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LinkTokens } from './link-tokens.service';
import { magicLinksTarget } from './magic-link-flag';
import { PendingSignIn } from './pending-sign-in.service';

/** `POST /auth/magic-link/verify`: the link's token as the first factor. */
@Injectable()
export class MagicLinkSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly linkTokens: LinkTokens,
    private readonly pending: PendingSignIn,
    private readonly lockout: AccountLockout,
    private readonly flags: FeatureFlagService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {}

  /**
   * Signs in with the link's token: answers like a password login (`mfa_required` when 2FA is on, 423
   * when locked). The link works once; used, replaced or expired: 410. It also confirms the address.
   * Every check that may refuse the sign-in comes first, so a refused link stays usable (after the lock
   * ends, say); it is used up in the transaction that starts the session or the pending 2FA login.
   */
  async verify(token: string): Promise<LoginResponseDto> {
    const userId = await this.linkTokens
      .userOf(token, 'magic_link')
      .catch((error: unknown) => this.countLinkFailure(error));
    const user = await this.users.findActiveById(userId);
    if (!user || !(await magicLinksTarget(this.flags, user))) {
      this.metrics.magicLinkVerifications.inc({ result: 'refused' });
      throw new AuthException(AuthError.LinkTokenGone, 'This link is no longer valid; sign in with your password');
    }
    try {
      await this.lockout.assertNotLocked(user, this.clock.now());
    } catch (error) {
      this.metrics.magicLinkVerifications.inc({ result: 'refused' });
      throw error;
    }
    const response = await this.pending
      .afterFirstFactor(user, 'email', {
        useUp: async (manager) => {
          await this.linkTokens.consume(token, 'magic_link', manager);
          await this.audit.record({ type: 'magic_link.used', userId }, manager);
          if (!user.emailVerifiedAt) await this.users.markEmailVerified(userId, manager);
        },
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
}
