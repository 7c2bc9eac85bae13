import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { UserAdminService } from '../users/user-admin.service';
import { MfaService } from '../mfa/mfa.service';
import { PasskeyService } from '../mfa/passkey.service';
import { SessionService } from '../session/session.service';
import { AdminStatsDto } from './dto/admin-responses.dto';

const DAY = 86_400_000;

/** Composes the figures each module counts for itself into GET /admin/stats. */
@Injectable()
export class AdminStatsService {
  constructor(
    private readonly users: UserAdminService,
    private readonly mfa: MfaService,
    private readonly passkeys: PasskeyService,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
  ) {}

  async collect(): Promise<AdminStatsDto> {
    const since = new Date(this.clock.now().getTime() - DAY);
    const { users, lockedUsers } = await this.users.counts();
    const mfaEnabledUsers = await this.mfa.countEnabledUsers();
    const passkeyUsers = await this.passkeys.countUsersWithPasskeys();
    const rate = (part: number) => (users === 0 ? 0 : Math.round((part / users) * 10_000) / 10_000);
    return {
      users,
      mfaEnabledUsers,
      mfaAdoptionRate: rate(mfaEnabledUsers),
      passkeyUsers,
      passkeyAdoptionRate: rate(passkeyUsers),
      lockedUsers,
      backupCodesUsed24h: await this.mfa.countBackupCodesUsedSince(since),
      failedLogins24h: await this.audit.countSince('login.failed', since),
      activeSessions: await this.sessions.countActive(),
    };
  }
}
