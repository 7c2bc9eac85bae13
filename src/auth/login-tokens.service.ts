import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Aal, Scope } from '../common/auth/auth-user';
import { currentClient } from '../common/http/request-context';
import { Enrollment, EnrollmentSubject, MfaEnrollmentPolicy } from '../mfa/enrollment-policy';
import { PasswordAge, PasswordExpiry } from '../passwords/password-expiry';
import { RefreshTokens } from '../session/refresh-tokens.service';
import { SessionService } from '../session/session.service';
import { TokenService } from '../tokens/token.service';
import { LoginResponseDto } from './dto/login-response.dto';

/** The factors a sign-in passed: `aal2` with two of them. */
export interface Assurance {
  aal: Aal;
  amr: string[];
}

type SessionView = { id: string; aal: Aal; amr: string[]; scope: Scope };

/**
 * The answer of a sign-in or a refresh: the session's scope (the state machine's restricted states),
 * the access token, the refresh token and what the user is asked about 2FA.
 */
@Injectable()
export class LoginTokens {
  constructor(
    private readonly sessions: SessionService,
    private readonly refreshTokens: RefreshTokens,
    private readonly tokens: TokenService,
    private readonly enrollment: MfaEnrollmentPolicy,
    private readonly expiry: PasswordExpiry,
  ) {}

  /**
   * Starts the session of a sign-in whose factors all passed, in `manager`'s transaction, which holds the
   * user's row lock (`SignInService.complete`): scope `password_change` when the password expired or an
   * admin forced a change, else `mfa_enrollment` when 2FA is required and missing, else `full`.
   */
  async open(
    user: EnrollmentSubject & PasswordAge,
    assurance: Assurance,
    now: Date,
    manager: EntityManager,
  ): Promise<{ response: LoginResponseDto; scope: Scope }> {
    const enrollment = await this.enrollment.of(user, now, manager);
    const scope: Scope = this.expiry.mustChange(user, now)
      ? 'password_change'
      : enrollment.mfaEnrollment === 'required'
        ? 'mfa_enrollment'
        : 'full';
    const client = currentClient();
    const refreshToken = this.refreshTokens.firstToken();
    const session = await this.sessions.start(
      { userId: user.id, ...assurance, scope, ip: client?.ip ?? null, userAgent: client?.userAgent ?? null },
      refreshToken.stored,
      manager,
    );
    return {
      response: this.respond(user, { id: session.id, ...assurance, scope }, enrollment, refreshToken.token),
      scope,
    };
  }

  /** A rotated session's new access token, with its successor refresh token. */
  async reissue(
    user: EnrollmentSubject,
    session: SessionView,
    refreshToken: string,
    now: Date,
    manager: EntityManager,
  ): Promise<LoginResponseDto> {
    const enrollment = await this.enrollment.of(user, now, manager);
    return this.respond(user, session, enrollment, refreshToken);
  }

  private respond(
    user: EnrollmentSubject,
    session: SessionView,
    enrollment: Enrollment,
    refreshToken: string,
  ): LoginResponseDto {
    const accessToken = this.tokens.signAccess({
      sub: user.id,
      sid: session.id,
      aal: session.aal,
      amr: session.amr,
      scope: session.scope,
      roles: user.roles,
    });
    return {
      status: session.scope === 'password_change' ? 'password_change_required' : 'authenticated',
      accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: this.tokens.accessTtlSeconds,
      sessionId: session.id,
      ...enrollment,
    };
  }
}
