import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditContext, AuditService } from '../audit/audit.service';
import { Config } from '../config/configuration';
import { AuthError, AuthException } from './auth.exception';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

/** The one failure counter per account: wrong passwords and wrong second factors both count. */
@Injectable()
export class AccountLockout {
  constructor(
    private readonly users: UserRepository,
    private readonly config: ConfigService<Config, true>,
    private readonly audit: AuditService,
  ) {}

  assertNotLocked(user: Pick<UserEntity, 'lockedUntil'>, now: Date): void {
    if (user.lockedUntil && user.lockedUntil > now) throw AccountLockout.lockedError(user.lockedUntil);
  }

  /**
   * Counts a failed attempt, audits it (and a lockout), and throws: 423 when this attempt locks the
   * account, `error` otherwise.
   */
  async fail(userId: string, now: Date, error: AuthException, reason: string, context?: AuditContext): Promise<never> {
    const security = this.config.get('security', { infer: true });
    const outcome = await this.users.recordFailedAttempt(
      userId,
      now,
      security.maxFailedLoginAttempts,
      security.lockoutDurationMinutes * 60_000,
    );
    await this.audit.record({ type: 'login.failed', userId, details: { reason }, context });
    if (outcome.lockedUntil) {
      await this.audit.record({
        type: 'account.locked',
        userId,
        details: { lockedUntil: outcome.lockedUntil.toISOString() },
        context,
      });
      throw AccountLockout.lockedError(outcome.lockedUntil);
    }
    throw error;
  }

  private static lockedError(lockedUntil: Date): AuthException {
    return new AuthException(AuthError.AccountLocked, 'Account is locked after too many failed attempts', {
      lockedUntil: lockedUntil.toISOString(),
    });
  }
}
