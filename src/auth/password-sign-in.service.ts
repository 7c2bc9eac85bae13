import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AccountLockout } from '../lockout/account-lockout.service';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { EmailVerificationService } from './email-verification.service';
import { LoginMetrics } from './login-metrics';
import { PendingSignIn } from './pending-sign-in.service';

export const INVALID_CREDENTIALS = 'Invalid email or password';

/** `POST /auth/login`: the password as the first factor, on the account's failure counter. */
@Injectable()
export class PasswordSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: AccountLockout,
    private readonly verification: EmailVerificationService,
    private readonly pending: PendingSignIn,
    private readonly audit: AuditService,
    private readonly metrics: LoginMetrics,
    private readonly clock: Clock,
  ) {}

  /** `deviceToken`: a remembered device's token (body or cookie), which stands in for the second factor. */
  login(email: string, password: string, deviceToken?: string): Promise<LoginResponseDto> {
    return this.metrics.count(this.check(email, password, deviceToken));
  }

  private async check(email: string, password: string, deviceToken?: string): Promise<LoginResponseDto> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) {
      await this.hasher.verifyAgainstDummy(password);
      this.metrics.failedPassword();
      await this.audit.record({ type: 'login.failed', details: { reason: 'unknown_account' } });
      throw new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS);
    }
    const now = this.clock.now();
    const device = await this.pending.deviceOf(user, deviceToken);
    await this.lockout.assertNotLocked(user, now, { device });
    if (!(await this.hasher.verify(password, user.passwordHash))) {
      await this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS),
        reason: 'wrong_password',
        device,
      });
    }
    if (this.verification.mode === 'required' && !user.emailVerifiedAt) {
      await this.audit.record({ type: 'login.failed', userId: user.id, details: { reason: 'email_not_verified' } });
      throw new AuthException(
        AuthError.EmailNotVerified,
        'Confirm your email address first: use the link we mailed you (POST /auth/email/verify/resend sends a new one)',
      );
    }
    return this.pending.afterFirstFactor(user, 'pwd', { device });
  }
}
