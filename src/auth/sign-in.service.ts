import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Aal } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { MfaChallengeRepository } from '../mfa/mfa-challenge.repository';
import { MfaService } from '../mfa/mfa.service';
import { FirstFactor, MfaClaims } from '../tokens/token-claims';
import { MFA_TOKEN_TTL_SECONDS, TokenService } from '../tokens/token.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginTokens } from './login-tokens.service';

/** Spends a single-use first factor inside the sign-in's transaction. */
export type UseUp = (manager: EntityManager) => Promise<void>;

/** What every sign-in does once its factors were checked: a pending 2FA login, or the session. */
@Injectable()
export class SignInService {
  constructor(
    private readonly users: UsersService,
    private readonly challenges: MfaChallengeRepository,
    private readonly mfa: MfaService,
    private readonly tokens: TokenService,
    private readonly loginTokens: LoginTokens,
    private readonly audit: AuditService,
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
  async afterFirstFactor(user: UserEntity, firstFactor: FirstFactor, useUp?: UseUp): Promise<LoginResponseDto> {
    if (!user.mfaEnabled) return this.complete(user, [firstFactor], { useUp });
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

  /**
   * The pending login an MFA token names, with its account: 401 `invalid_mfa_token` when the token is
   * not one, or its login expired, was completed or its account is gone.
   */
  async pending(mfaToken: string): Promise<{ claims: MfaClaims & { firstFactor: FirstFactor }; user: UserEntity }> {
    const claims = await this.tokens.verifyMfa(mfaToken);
    const user = claims && (await this.users.findActiveWithOpenChallenge(claims.sub, claims.jti, this.clock.now()));
    if (!claims || !user) {
      throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in expired or was completed; log in again');
    }
    return { claims, user };
  }

  /**
   * Starts the session of a login whose factors all passed. With 2FA, `challengeId` is the pending
   * login: it is closed in the same transaction, so that only one request completes it. That happens
   * after the session starts, which locks the user's row first: every transaction that touches both
   * (account deletion too) locks the user before the challenge, so they never deadlock. `useUp` runs
   * there too (see `afterFirstFactor`).
   */
  async complete(
    user: UserEntity,
    amr: string[],
    { challengeId, useUp }: { challengeId?: string; useUp?: UseUp } = {},
  ): Promise<LoginResponseDto> {
    const now = this.clock.now();
    const aal: Aal = amr.length > 1 ? 'aal2' : 'aal1';
    return this.dataSource.transaction(async (manager) => {
      const { response, scope } = await this.loginTokens.open(user, { aal, amr }, now, manager);
      await useUp?.(manager);
      if (challengeId !== undefined && !(await this.challenges.close(challengeId, user.id, now, manager))) {
        throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in was already completed; log in again');
      }
      await this.users.recordSuccessfulLogin(user.id, now, manager);
      await this.audit.record(
        { type: 'login.succeeded', userId: user.id, details: { amr, aal, scope, sessionId: response.sessionId } },
        manager,
      );
      return response;
    });
  }
}
