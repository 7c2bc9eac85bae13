import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { MfaService } from '../mfa/mfa.service';
import { PasskeyService } from '../mfa/passkey.service';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { describeSession } from '../session/dto/session-view.dto';
import { sessionEnded } from '../session/session-ended';
import { SessionService } from '../session/session.service';
import { AccountExportDto } from './dto/account-data.dto';
import { UsersService } from '../users/users.service';

const AUDIT_PAGE = 1000;

/** `GET /account/export`: everything kept about the user, as JSON. */
@Injectable()
export class AccountExport {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly passkeys: PasskeyService,
    private readonly devices: TrustedDevices,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Profile, 2FA status, passkeys (without their keys), sessions and the audit events about the user; never a hash, secret or token. */
  async export(caller: AuthUser): Promise<AccountExportDto> {
    const user = await this.users.findActiveById(caller.userId);
    if (!user) throw sessionEnded();
    const events: AccountExportDto['auditEvents'] = [];
    for (let before: string | undefined; ;) {
      const page = await this.audit.query({ userId: user.id, before, limit: AUDIT_PAGE });
      events.push(
        ...page.items.map((event) => ({
          occurredAt: event.occurredAt,
          type: event.type,
          ip: event.ip,
          userAgent: event.userAgent,
          details: event.details,
        })),
      );
      if (!page.nextCursor) break;
      before = page.nextCursor;
    }
    return {
      exportedAt: this.clock.now(),
      profile: {
        ...this.users.describe(user),
        createdAt: user.createdAt,
        lastLoginAt: user.lastLoginAt,
        passwordChangedAt: user.passwordChangedAt,
      },
      twoFactor: await this.mfa.status(caller),
      passkeys: await this.passkeys.list(user.id),
      devices: await this.devices.list(user.id, caller.sessionId),
      sessions: (await this.sessions.listAllForUser(user.id)).map((session) => ({
        ...describeSession(session),
        revokedAt: session.revokedAt,
        revokedReason: session.revokedReason,
      })),
      auditEvents: events.reverse(),
    };
  }
}
