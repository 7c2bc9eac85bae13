import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { TrustedDevice } from '../devices/trusted-device.repository';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { MfaChallengeRepository } from '../mfa/mfa-challenge.repository';
import { MfaService } from '../mfa/mfa.service';
import { FirstFactor, MfaClaims } from '../tokens/token-claims';
import { MFA_TOKEN_TTL_SECONDS, TokenService } from '../tokens/token.service';
import { UserEntity } from '../users/user.entity';
import { PendingAccount, UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { SignInService, UseUp } from './sign-in.service';

/** A sign-in between its factors: the pending 2FA login an MFA token names. */
@Injectable()
export class PendingSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly challenges: MfaChallengeRepository,
    private readonly mfa: MfaService,
    private readonly tokens: TokenService,
    private readonly signIn: SignInService,
    private readonly devices: TrustedDevices,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * A first factor (password or magic link) was right: with 2FA on, the login waits for the second
   * factor (the failure counter is reset only then: a known password must not buy unlimited guesses at
   * the code); otherwise the session starts. `useUp` spends a single-use first factor (a magic link) in
   * the transaction that starts the session or the pending login, after the user's row is locked: every
   * check that may refuse the sign-in has passed by then, and if it throws nothing starts.
   */
  async afterFirstFactor(
    user: UserEntity,
    firstFactor: FirstFactor,
    { useUp, device }: { useUp?: UseUp; device?: TrustedDevice } = {},
  ): Promise<LoginResponseDto> {
    if (!user.mfaEnabled) return this.signIn.complete(user, [firstFactor], { useUp });
    // A remembered device stands in for the second factor (never on admin routes: see AuthorizationGuard).
    if (device) return this.signIn.complete(user, [firstFactor, 'device'], { useUp, device: { use: device } });
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + MFA_TOKEN_TTL_SECONDS * 1000);
    const challengeId = useUp
      ? await this.dataSource.transaction(async (manager) => {
          const created = await this.challenges.create(user.id, now, expiresAt, manager);
          await useUp(manager);
          return created;
        })
      : await this.challenges.create(user.id, now, expiresAt);
    return {
      status: 'mfa_required',
      mfaToken: this.tokens.signMfa(user.id, challengeId, firstFactor),
      methods: await this.mfa.methodsOf(user.id),
      expiresIn: MFA_TOKEN_TTL_SECONDS,
    };
  }

  /** The user's remembered device this token is of, while remembering is on for the user; else undefined. */
  async deviceOf(user: UserEntity, deviceToken: string | undefined): Promise<TrustedDevice | undefined> {
    if (deviceToken === undefined || !(await this.devices.enabledFor(user))) return undefined;
    return this.devices.recognize(user.id, deviceToken);
  }

  /**
   * Completes the pending login with its second factor (`otp`, `backup_code` or `hwk`); `remember` asks
   * for a device token that skips the second factor on this device next time. `totpStep` is the TOTP
   * code's step, claimed in the sign-in's transaction.
   */
  completeSecondFactor(
    { claims, user }: { claims: MfaClaims & { firstFactor: FirstFactor }; user: UserEntity },
    factor: string,
    remember: boolean,
    totpStep?: number,
  ): Promise<LoginResponseDto> {
    return this.signIn.complete(user, [claims.firstFactor, factor], {
      challengeId: claims.jti,
      device: remember ? { remember: true } : undefined,
      totpStep,
    });
  }

  /**
   * The pending login an MFA token names, with its account and the account's 2FA state: 401
   * `invalid_mfa_token` when the token is not one, or its login expired, was completed or its account is gone.
   */
  async pending(mfaToken: string): Promise<{ claims: MfaClaims & { firstFactor: FirstFactor } } & PendingAccount> {
    const claims = await this.tokens.verifyMfa(mfaToken);
    const account = claims && (await this.users.findPendingSignIn(claims.sub, claims.jti, this.clock.now()));
    if (!claims || !account) {
      throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in expired or was completed; log in again');
    }
    return { claims, ...account };
  }
}
