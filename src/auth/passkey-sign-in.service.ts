import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { Clock } from '../common/clock/clock';
import { AccountLockout } from '../lockout/account-lockout.service';
import { PasskeyAssertions } from '../mfa/passkey-assertions.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginMetrics } from './login-metrics';
import { PendingSignIn } from './pending-sign-in.service';

/**
 * A passkey as the second factor of a pending login (`POST /auth/login/webauthn`): `amr` `["pwd","hwk"]`.
 * A wrong, replayed or foreign answer counts on the account's failure counter, as a wrong code does.
 */
@Injectable()
export class PasskeySignIn {
  constructor(
    private readonly pending: PendingSignIn,
    private readonly lockout: AccountLockout,
    private readonly assertions: PasskeyAssertions,
    private readonly metrics: LoginMetrics,
    private readonly clock: Clock,
  ) {}

  async secondFactorOptions(mfaToken: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { user } = await this.pending.pending(mfaToken);
    return this.assertions.secondFactorOptions(user.id);
  }

  secondFactor(
    mfaToken: string,
    response: AuthenticationResponseJSON,
    rememberDevice = false,
  ): Promise<LoginResponseDto> {
    return this.metrics.count(this.check(mfaToken, response, rememberDevice));
  }

  private async check(
    mfaToken: string,
    response: AuthenticationResponseJSON,
    rememberDevice: boolean,
  ): Promise<LoginResponseDto> {
    const pending = await this.pending.pending(mfaToken);
    const { user } = pending;
    const now = this.clock.now();
    await this.lockout.assertNotLocked(user, now);
    const passkey = await this.assertions.findCredential('second_factor', response, user.id);
    const outcome = passkey && (await this.assertions.verify('second_factor', response, passkey));
    if (!outcome?.ok) {
      return this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidSecondFactor, 'The passkey did not sign in'),
        reason: 'wrong_second_factor',
        kind: 'webauthn',
      });
    }
    return this.pending.completeSecondFactor(pending, 'hwk', rememberDevice);
  }
}
