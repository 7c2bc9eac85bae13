import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { Aal, AuthUser, Scope } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { DomainException } from '../common/filters/domain.exception';
import { AuditService } from '../audit/audit.service';
import { currentClient } from '../common/http/request-context';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { SessionEntity } from '../session/session.entity';
import { sessionEnded } from '../session/session-ended';
import { SessionException } from '../session/session.exception';
import { SessionService } from '../session/session.service';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { AccountLockout } from '../lockout/account-lockout.service';
import { EmailVerificationService } from './email-verification.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { MeResponseDto } from './dto/me-response.dto';
import { RegisterUserDto } from './dto/register-user.dto';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { PasswordService } from './password.service';
import { RefreshTokenRepository, RotatedSession } from '../session/refresh-token.repository';
import { FirstFactor } from '../tokens/token-claims';
import { MFA_TOKEN_TTL_SECONDS, TokenService } from '../tokens/token.service';
import { MfaChallengeRepository } from '../mfa/mfa-challenge.repository';
import { MfaService } from '../mfa/mfa.service';
import { UserEntity } from '../users/user.entity';
import { UserRepository } from '../users/user.repository';
import { LockoutError } from '../lockout/lockout.exception';
import { UserError, UserException } from '../users/user.exception';

const DAY = 86_400_000;
const INVALID_CREDENTIALS = 'Invalid email or password';

type Enrollment = Pick<LoginResponseDto, 'mfaEnrollment' | 'mfaEnrollmentGraceEndsAt'>;

/** Spends a single-use first factor inside the sign-in's transaction. */
export type UseUp = (manager: EntityManager) => Promise<void>;

type RefreshOutcome =
  | { ok: true; response: LoginResponseDto }
  | {
      ok: false;
      /** A rotated token came back (possible theft), with the email of the account it belongs to. */
      reuse?: { email: string | undefined };
    };

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly challenges: MfaChallengeRepository,
    private readonly mfa: MfaService,
    private readonly hasher: PasswordHasher,
    private readonly passwords: PasswordService,
    private readonly lockout: AccountLockout,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly notifications: SecurityNotifications,
    private readonly verification: EmailVerificationService,
    private readonly flags: FeatureFlagService,
    private readonly tokens: TokenService,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async register(dto: RegisterUserDto): Promise<UserResponseDto> {
    if (!(await this.flags.isEnabled('registration_open'))) {
      throw new AuthException(
        AuthError.RegistrationClosed,
        'Registration is closed; ask an administrator for an account',
      );
    }
    this.passwords.assertPolicy(dto.password, dto.email);
    const now = this.clock.now();
    const passwordHash = await this.hasher.hash(dto.password);
    try {
      const { user, sendVerification } = await this.dataSource.transaction(async (manager) => {
        const created = await this.users.createUser(
          {
            email: dto.email,
            displayName: dto.displayName ?? null,
            passwordHash,
            createdAt: now,
            passwordChangedAt: now,
          },
          manager,
        );
        await this.audit.record({ type: 'user.registered', userId: created.id }, manager);
        return { user: created, sendVerification: await this.verification.issueAtRegistration(created, manager) };
      });
      sendVerification?.();
      return this.describeUser(user);
    } catch (error) {
      if (UserRepository.isEmailTaken(error)) {
        throw new UserException(UserError.EmailTaken, 'An account with this email already exists');
      }
      throw error;
    }
  }

  async login(email: string, password: string): Promise<LoginResponseDto> {
    try {
      const response = await this.checkPassword(email, password);
      this.metrics.logins.inc({ result: response.status === 'mfa_required' ? 'mfa_required' : 'success' });
      return response;
    } catch (error) {
      this.countFailedLogin(error);
      throw error;
    }
  }

  /**
   * The second step of a login with 2FA: a TOTP code or a backup code against the MFA token's pending
   * login. Wrong codes count on the account's failure counter; the token works for one success only.
   */
  async loginWithSecondFactor(mfaToken: string, code: string): Promise<LoginResponseDto> {
    try {
      const response = await this.checkSecondFactor(mfaToken, code);
      this.metrics.logins.inc({ result: 'success' });
      return response;
    } catch (error) {
      this.countFailedLogin(error);
      throw error;
    }
  }

  private countFailedLogin(error: unknown): void {
    if (!(error instanceof DomainException)) return;
    this.metrics.logins.inc({ result: error.code === LockoutError.AccountLocked ? 'locked' : 'failure' });
  }

  private async checkPassword(email: string, password: string): Promise<LoginResponseDto> {
    const user = await this.users.findActiveByEmail(email);
    if (!user) {
      await this.hasher.verifyAgainstDummy(password);
      this.metrics.failedAttempts.inc({ kind: 'password' });
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
    return this.afterFirstFactor(user, 'pwd');
  }

  /**
   * A first factor (password or magic link) was right: with 2FA on, the login waits for the second
   * factor (the failure counter is reset only then: a known password must not buy unlimited guesses at
   * the code); otherwise the session starts. `useUp` spends a single-use first factor (a magic link) in
   * the transaction that starts the session or the pending login, after the user's row is locked: every
   * check that may refuse the sign-in has passed by then, and if it throws nothing starts.
   */
  async afterFirstFactor(user: UserEntity, firstFactor: FirstFactor, useUp?: UseUp): Promise<LoginResponseDto> {
    if (!user.mfaEnabled) return this.completeLogin(user, [firstFactor], { useUp });
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
      methods: ['totp', 'backup_code'],
      expiresIn: MFA_TOKEN_TTL_SECONDS,
    };
  }

  private async checkSecondFactor(mfaToken: string, code: string): Promise<LoginResponseDto> {
    const claims = await this.tokens.verifyMfa(mfaToken);
    const now = this.clock.now();
    const user = claims && (await this.users.findActiveWithOpenChallenge(claims.sub, claims.jti, now));
    if (!claims || !user) {
      throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in expired or was completed; log in again');
    }
    await this.lockout.assertNotLocked(user, now);
    const factor = await this.mfa.consumeSecondFactor(user.id, code, 'login');
    if (!factor.ok) {
      return this.lockout.fail(user, now, {
        error: new AuthException(AuthError.InvalidSecondFactor, 'The code is not valid'),
        reason: 'wrong_second_factor',
        kind: factor.method === 'otp' ? 'totp' : 'backup_code',
      });
    }
    return this.completeLogin(user, [claims.firstFactor, factor.method], { challengeId: claims.jti });
  }

  /**
   * Starts the session of a login whose factors all passed. With 2FA, `challengeId` is the pending
   * login: it is closed in the same transaction, so that only one request completes it. That happens
   * after the session starts, which locks the user's row first: every transaction that touches both
   * (account deletion too) locks the user before the challenge, so they never deadlock. `useUp` runs
   * there too (see `afterFirstFactor`).
   */
  private async completeLogin(
    user: UserEntity,
    amr: string[],
    { challengeId, useUp }: { challengeId?: string; useUp?: UseUp } = {},
  ): Promise<LoginResponseDto> {
    const now = this.clock.now();
    const aal: Aal = amr.length > 1 ? 'aal2' : 'aal1';
    return this.dataSource.transaction(async (manager) => {
      const enrollment = await this.enrollmentOf(user, now, manager);
      const scope: Scope = this.mustChangePassword(user, now)
        ? 'password_change'
        : enrollment.mfaEnrollment === 'required'
          ? 'mfa_enrollment'
          : 'full';
      const response = await this.openSession(user, { aal, amr, scope }, enrollment, manager);
      await useUp?.(manager);
      if (challengeId === undefined) {
        await this.users.recordSuccessfulLogin(user.id, now, manager);
      } else if (!(await this.challenges.closeRecordingLogin(challengeId, user.id, now, manager))) {
        throw new AuthException(AuthError.InvalidMfaToken, 'The sign-in was already completed; log in again');
      }
      await this.audit.record(
        { type: 'login.succeeded', userId: user.id, details: { amr, aal, scope, sessionId: response.sessionId } },
        manager,
      );
      return response;
    });
  }

  /**
   * Rotates a refresh token. A token used before answers with its successor when retried within the
   * grace window (a benign concurrent retry); any other reuse means it was stolen, so the whole session
   * is revoked.
   */
  async refresh(refreshToken: string): Promise<LoginResponseDto> {
    const outcome =
      (await this.rotateLive(refreshToken)) ??
      (await this.dataSource.transaction((manager) => this.rotate(refreshToken, manager)));
    if (!outcome.ok) {
      this.metrics.refreshes.inc({ result: outcome.reuse ? 'reuse_detected' : 'failure' });
      if (outcome.reuse?.email) this.notifications.refreshTokenReuse(outcome.reuse.email);
      throw new AuthException(AuthError.InvalidRefreshToken, 'Refresh token is invalid or expired');
    }
    this.metrics.refreshes.inc({ result: 'success' });
    return outcome.response;
  }

  /** Ends the caller's session; SessionService records it as a `logout` event. */
  async logout(user: AuthUser): Promise<void> {
    await this.sessions.revoke(user.sessionId, 'logout');
  }

  async me(user: AuthUser): Promise<MeResponseDto> {
    const account = await this.users.findActiveById(user.userId);
    if (!account) throw sessionEnded();
    return {
      ...this.describeUser(account),
      mfaEnabled: account.mfaEnabled,
      passwordExpiresAt: this.passwordExpiresAt(account),
      session: { id: user.sessionId, aal: user.aal, scope: user.scope },
    };
  }

  /** The common case, a live token of a live session, in one statement; undefined for every other case. */
  private async rotateLive(token: string): Promise<RefreshOutcome | undefined> {
    const now = this.clock.now();
    const successor = this.tokens.successorOf(token);
    const rotated = await this.refreshTokens.rotateLive(
      {
        tokenHash: this.tokens.hashRefreshToken(token),
        successorHash: this.tokens.hashRefreshToken(successor),
        now,
        idleExpiresAt: this.sessions.idleDeadline(now),
        successorExpiresAt: new Date(now.getTime() + this.tokens.refreshTtlMs),
      },
      this.dataSource.manager,
    );
    return rotated && this.reissue(rotated.session, rotated.user, successor, this.dataSource.manager);
  }

  /** Every case of a rotation, step by step in one transaction: the fallback of `rotateLive`. */
  private async rotate(token: string, manager: EntityManager): Promise<RefreshOutcome> {
    const now = this.clock.now();
    const row = await this.refreshTokens.findByHashForUpdate(this.tokens.hashRefreshToken(token), manager);
    if (!row || row.revokedAt || row.expiresAt <= now) return { ok: false };
    const successor = this.tokens.successorOf(token);
    const successorHash = this.tokens.hashRefreshToken(successor);
    if (row.usedAt) {
      const graceMs = this.config.get('jwt.refreshReuseGraceSeconds', { infer: true }) * 1000;
      const child = await this.refreshTokens.findActiveChild(row.id, successorHash, manager);
      if (child && now.getTime() - row.usedAt.getTime() <= graceMs) {
        const session = await this.liveSession(row.sessionId, manager);
        return session ? this.reissueFor(session, successor, manager) : { ok: false };
      }
      // Whoever holds the stolen copy may have other sessions by now: all of the user's sessions end.
      const session = await this.sessions.findById(row.sessionId, manager);
      await this.refreshTokens.revokeAllForSession(row.sessionId, now, manager);
      await this.audit.record(
        { type: 'refresh.reuse_detected', userId: session?.userId ?? null, details: { sessionId: row.sessionId } },
        manager,
      );
      if (session) await this.sessions.revokeAllForUser(session.userId, 'refresh_reuse', { manager });
      const owner = session ? await this.users.findActiveById(session.userId, manager) : null;
      return { ok: false, reuse: { email: owner?.email } };
    }
    await this.refreshTokens.markUsed(row.id, now, manager);
    const session = await this.liveSession(row.sessionId, manager);
    if (!session) return { ok: false };
    await this.refreshTokens.insertToken(
      {
        sessionId: row.sessionId,
        tokenHash: successorHash,
        parentId: row.id,
        createdAt: now,
        expiresAt: new Date(Math.min(now.getTime() + this.tokens.refreshTtlMs, session.expiresAt.getTime())),
      },
      manager,
    );
    return this.reissueFor(session, successor, manager);
  }

  private async liveSession(sessionId: string, manager: EntityManager): Promise<SessionEntity | undefined> {
    try {
      return await this.sessions.useForRefresh(sessionId, manager);
    } catch (error) {
      if (error instanceof SessionException) return undefined;
      throw error;
    }
  }

  private async reissueFor(
    session: SessionEntity,
    refreshToken: string,
    manager: EntityManager,
  ): Promise<RefreshOutcome> {
    const user = await this.users.findActiveById(session.userId, manager);
    return user ? this.reissue(session, user, refreshToken, manager) : { ok: false };
  }

  private async reissue(
    session: RotatedSession['session'],
    user: RotatedSession['user'],
    refreshToken: string,
    manager: EntityManager,
  ): Promise<RefreshOutcome> {
    const accessToken = this.tokens.signAccess({
      sub: user.id,
      sid: session.id,
      aal: session.aal,
      amr: session.amr,
      scope: session.scope,
      roles: user.roles,
    });
    const enrollment = await this.enrollmentOf(user, this.clock.now(), manager);
    return {
      ok: true,
      response: this.loginResponse(session.id, session.scope, enrollment, accessToken, refreshToken),
    };
  }

  private async openSession(
    user: UserEntity,
    assurance: { aal: Aal; amr: string[]; scope: Scope },
    enrollment: Enrollment,
    manager: EntityManager,
  ): Promise<LoginResponseDto> {
    const client = currentClient();
    const session = await this.sessions.start(
      { userId: user.id, ...assurance, ip: client?.ip ?? null, userAgent: client?.userAgent ?? null },
      manager,
    );
    const refreshToken = this.tokens.newRefreshToken();
    await this.refreshTokens.insertToken(
      {
        sessionId: session.id,
        tokenHash: this.tokens.hashRefreshToken(refreshToken),
        parentId: null,
        createdAt: session.createdAt,
        expiresAt: new Date(
          Math.min(session.createdAt.getTime() + this.tokens.refreshTtlMs, session.expiresAt.getTime()),
        ),
      },
      manager,
    );
    const accessToken = this.tokens.signAccess({ sub: user.id, sid: session.id, ...assurance, roles: user.roles });
    return this.loginResponse(session.id, assurance.scope, enrollment, accessToken, refreshToken);
  }

  private loginResponse(
    sessionId: string,
    scope: Scope,
    enrollment: Enrollment,
    accessToken: string,
    refreshToken: string,
  ): LoginResponseDto {
    return {
      status: scope === 'password_change' ? 'password_change_required' : 'authenticated',
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTtlSeconds,
      sessionId,
      ...enrollment,
    };
  }

  /**
   * What a user without 2FA is asked: MFA_ENROLLMENT for everyone, raised by the `mfa_enforcement` flag
   * for the users it targets. Enforcement starts with MFA_ENFORCEMENT_GRACE_DAYS of `recommended`
   * (counted from the first login it applied to), then `required`, which confines them to enrolling.
   */
  private async enrollmentOf(user: RotatedSession['user'], now: Date, manager: EntityManager): Promise<Enrollment> {
    if (user.mfaEnabled) return { mfaEnrollment: 'none' };
    const configured = this.config.get('mfa.enrollment', { infer: true });
    if (configured === 'required') return { mfaEnrollment: 'required' };
    const subject = { id: user.id, email: user.email, roles: user.roles };
    if (!(await this.flags.isEnabled('mfa_enforcement', subject, manager))) return { mfaEnrollment: configured };
    const since = user.mfaEnforcedSince ?? (await this.users.startMfaEnforcement(user.id, now, manager));
    const graceEndsAt = new Date(since.getTime() + this.config.get('mfa.enforcementGraceDays', { infer: true }) * DAY);
    return graceEndsAt > now
      ? { mfaEnrollment: 'recommended', mfaEnrollmentGraceEndsAt: graceEndsAt.toISOString() }
      : { mfaEnrollment: 'required' };
  }

  private mustChangePassword(user: UserEntity, now: Date): boolean {
    const expiresAt = this.passwordExpiresAt(user);
    return user.mustChangePassword || (expiresAt !== null && expiresAt <= now);
  }

  private passwordExpiresAt(user: UserEntity): Date | null {
    const maxAgeDays = this.config.get('security.passwordMaxAgeDays', { infer: true });
    return maxAgeDays === 0 ? null : new Date(user.passwordChangedAt.getTime() + maxAgeDays * DAY);
  }

  private describeUser(user: UserEntity): UserResponseDto {
    return {
      id: user.id,
      email: user.email,
      displayName: user.displayName,
      roles: user.roles,
      emailVerified: user.emailVerifiedAt !== null,
    };
  }
}
