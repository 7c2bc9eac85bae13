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
import { SignInService } from './sign-in.service';

export const INVALID_CREDENTIALS = 'Invalid email or password';

/** `POST /auth/login`: the password as the first factor, on the account's failure counter. */
@Injectable()
export class PasswordSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly lockout: AccountLockout,
    private readonly verification: EmailVerificationService,
    private readonly signIn: SignInService,
    private readonly audit: AuditService,
    private readonly metrics: LoginMetrics,
    private readonly clock: Clock,
  ) {}

  login(email: string, password: string): Promise<LoginResponseDto> {
    return this.metrics.count(this.check(email, password));
  }

  private async check(email: string, password: string): Promise<LoginResponseDto> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) {
      await this.hasher.verifyAgainstDummy(password);
      this.metrics.failedPassword();
      await this.audit.record({ type: 'login.failed', details: { reason: 'unknown_account' } });
      throw new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS);
    }
    const now = this.clock.now();
    await this.lockout.assertNotLocked(user, now);
    if (!(await this.hasher.verify(password, user.passwordHash))) {
      await this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS),
        reason: 'wrong_password',
      });
    }
    if (this.verification.mode === 'required' && !user.emailVerifiedAt) {
      await this.audit.record({ type: 'login.failed', userId: user.id, details: { reason: 'email_not_verified' } });
      throw new AuthException(
        AuthError.EmailNotVerified,
        'Confirm your email address first: use the link we mailed you (POST /auth/email/verify/resend sends a new one)',
      );
    }
    return this.signIn.afterFirstFactor(user, 'pwd');
  }
}
