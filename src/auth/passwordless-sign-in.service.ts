import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { AccountLockout } from '../lockout/account-lockout.service';
import { PasskeyAssertions } from '../mfa/passkey-assertions.service';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginMetrics } from './login-metrics';
import { INVALID_CREDENTIALS } from './password-sign-in.service';
import { SignInService } from './sign-in.service';

/** The flag of passwordless passkey sign-in: `@RequireFlag` checks its switch, `PasskeySignIn` its targeting. */
export const PASSKEY_FLAG = 'passkey_auth';

/**
 * Sign-in with a passkey alone (`POST /auth/passkey`, flag `passkey_auth`): `["hwk","user"]` (`aal2`)
 * when the authenticator verified its user, else `["hwk"]` (`aal1`). A wrong answer of a known passkey
 * counts on its account's failure counter; an unknown passkey gets the bad-credentials answer.
 */
@Injectable()
export class PasswordlessSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly lockout: AccountLockout,
    private readonly assertions: PasskeyAssertions,
    private readonly signIn: SignInService,
    private readonly flags: FeatureFlagService,
    private readonly audit: AuditService,
    private readonly metrics: LoginMetrics,
    private readonly clock: Clock,
  ) {}

  options(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.assertions.passwordlessOptions();
  }

  login(response: AuthenticationResponseJSON): Promise<LoginResponseDto> {
    return this.metrics.count(this.check(response));
  }

  private async check(response: AuthenticationResponseJSON): Promise<LoginResponseDto> {
    const passkey = await this.assertions.findCredential('passwordless', response);
    const user = passkey && (await this.users.findActiveById(passkey.userId));
    if (
      !passkey ||
      !user ||
      !(await this.flags.isEnabled(PASSKEY_FLAG, { id: user.id, email: user.email, roles: user.roles }))
    ) {
      await this.audit.record({
        type: 'login.failed',
        userId: user?.id,
        details: { reason: user ? 'passkey_not_targeted' : 'unknown_passkey' },
      });
      throw new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS);
    }
    const now = this.clock.now();
    await this.lockout.assertNotLocked(user, now);
    const outcome = await this.assertions.verify('passwordless', response, passkey);
    if (!outcome.ok) {
      return this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidCredentials, INVALID_CREDENTIALS),
        reason: 'wrong_passkey',
        kind: 'webauthn',
      });
    }
    return this.signIn.complete(user, outcome.userVerified ? ['hwk', 'user'] : ['hwk']);
  }
}
