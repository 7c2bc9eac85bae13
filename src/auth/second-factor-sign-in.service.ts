import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { AccountLockout } from '../lockout/account-lockout.service';
import { MfaService } from '../mfa/mfa.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginMetrics } from './login-metrics';
import { PendingSignIn } from './pending-sign-in.service';

/**
 * `POST /auth/login/2fa`: a TOTP code or a backup code against the MFA token's pending login. Wrong
 * codes count on the account's failure counter; the token works for one success only.
 */
@Injectable()
export class SecondFactorSignIn {
  constructor(
    private readonly lockout: AccountLockout,
    private readonly mfa: MfaService,
    private readonly pending: PendingSignIn,
    private readonly metrics: LoginMetrics,
    private readonly clock: Clock,
  ) {}

  login(mfaToken: string, code: string, rememberDevice = false): Promise<LoginResponseDto> {
    return this.metrics.count(this.check(mfaToken, code, rememberDevice));
  }

  private async check(mfaToken: string, code: string, rememberDevice: boolean): Promise<LoginResponseDto> {
    const pending = await this.pending.pending(mfaToken);
    const { user } = pending;
    const now = this.clock.now();
    await this.lockout.assertNotLocked(user, now);
    const factor = await this.mfa.signInWithSecondFactor(pending.mfa, user.id, code, (method, claim) =>
      this.pending.completeSecondFactor(pending, method, rememberDevice, claim?.totpStep),
    );
    if (!factor.ok) {
      return this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidSecondFactor, 'The code is not valid'),
        reason: 'wrong_second_factor',
        kind: factor.method === 'otp' ? 'totp' : 'backup_code',
      });
    }
    return factor.result;
  }
}
