import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { SessionService } from '../session/session.service';
import { MfaError, MfaException } from './mfa.exception';

/** Setting up 2FA needs a sign-in this recent: a stolen, long-lived session can't bind its own authenticator. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

/** 403 `reauthentication_required` unless the caller's session signed in within RECENT_SIGN_IN_MS. */
export async function requireRecentSignIn(sessions: SessionService, clock: Clock, user: AuthUser): Promise<void> {
  const signedInAt = await sessions.signedInAt(user.sessionId);
  if (clock.now().getTime() - signedInAt.getTime() > RECENT_SIGN_IN_MS) {
    throw new MfaException(
      MfaError.ReauthenticationRequired,
      'Sign in again: setting up two-factor authentication needs a sign-in from the last 10 minutes',
    );
  }
}

/**
 * A route guard for routes that bind a new second factor to the account (passkey registration): the
 * caller's sign-in must be recent (`requireRecentSignIn`). Runs after the global guards set the user.
 */
@Injectable()
export class RecentSignInGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { user } = context.switchToHttp().getRequest<{ user: AuthUser }>();
    await requireRecentSignIn(this.sessions, this.clock, user);
    return true;
  }
}
