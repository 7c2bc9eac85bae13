import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { SessionService } from '../session/session.service';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository } from './mfa.repository';

export const MAX_REASON_LENGTH = 500;

/**
 * Turning 2FA off, by its owner (after the proof) or by an admin (with a reason): the TOTP secret, the
 * backup codes, every passkey and every remembered device go, and the user's other sessions end.
 */
@Injectable()
export class MfaDisabling {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly sessions: SessionService,
    private readonly devices: TrustedDevices,
    private readonly audit: AuditService,
    private readonly notifications: SecurityNotifications,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Turns 2FA off for its owner and ends the user's other sessions. Only after the proof (the password and
   * a current code or backup code): `ProofService` checks it, beside the failure counter it counts on.
   */
  async disable(user: AuthUser): Promise<void> {
    const state = await this.mfa.requireState(user.userId);
    await this.turnOff(user.userId, { by: 'user', actorId: user.userId, keepSessionId: user.sessionId });
    this.notifications.mfaDisabled(state.email, false);
  }

  /**
   * Turns 2FA off for a user who lost their authenticator, on behalf of an admin (or the CLI): no proof
   * from the user, but a reason, recorded with the actor. Every session of the user ends.
   */
  async disableFor(userId: string, actorId: string, reason: string): Promise<void> {
    const why = reason.trim();
    if (why.length === 0 || why.length > MAX_REASON_LENGTH) {
      throw new MfaException(MfaError.ReasonRequired, `Give a reason of 1 to ${MAX_REASON_LENGTH} characters`);
    }
    const state = await this.mfa.findState(userId);
    if (!state) throw new MfaException(MfaError.UserNotFound, 'User not found');
    if (!state.enabled) throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off for this user');
    await this.turnOff(userId, { by: 'admin', actorId, reason: why });
    this.notifications.mfaDisabled(state.email, true);
  }

  private async turnOff(
    userId: string,
    how: { by: 'user' | 'admin'; actorId: string; keepSessionId?: string; reason?: string },
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const disabled = await this.mfa.disable(userId, manager);
      if (!disabled) throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off');
      const endedDevices = await this.devices.endAll(userId, 'mfa_disabled', manager);
      const endedSessions = await this.sessions.revokeAllForUser(userId, 'mfa_disabled', {
        keepId: how.keepSessionId,
        actorId: how.actorId,
        manager,
      });
      await this.audit.record(
        {
          type: 'mfa.disabled',
          userId,
          actorId: how.actorId,
          details: {
            by: how.by,
            endedSessions,
            removedPasskeys: disabled.removedPasskeys,
            endedDevices,
            ...(how.reason ? { reason: how.reason } : {}),
          },
        },
        manager,
      );
    });
  }
}
