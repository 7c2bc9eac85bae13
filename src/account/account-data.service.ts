import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { MfaService } from '../mfa/mfa.service';
import { sessionEnded } from '../session/session-ended';
import { SessionService } from '../session/session.service';
import { AccountExportDto } from './dto/account-data.dto';
import { ProofService } from '../lockout/proof.service';
import { UserRepository } from '../users/user.repository';

const AUDIT_PAGE = 1000;

/** The user's own data: everything about them as JSON, and deleting the account. */
@Injectable()
export class AccountDataService {
  constructor(
    private readonly users: UserRepository,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly audit: AuditService,
    private readonly proof: ProofService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Profile, 2FA status, sessions and the audit events about the user; never a hash, secret or token. */
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
        id: user.id,
        email: user.email,
        displayName: user.displayName,
        roles: user.roles,
        emailVerified: user.emailVerifiedAt !== null,
        createdAt: user.createdAt,
        lastLoginAt: user.lastLoginAt,
        passwordChangedAt: user.passwordChangedAt,
      },
      twoFactor: await this.mfa.status(caller),
      sessions: (await this.sessions.listAllForUser(user.id)).map((session) => ({
        id: session.id,
        createdAt: session.createdAt,
        lastSeenAt: session.lastSeenAt,
        ip: session.ip,
        userAgent: session.userAgent,
        aal: session.aal,
        revokedAt: session.revokedAt,
        revokedReason: session.revokedReason,
      })),
      auditEvents: events.reverse(),
    };
  }

  /**
   * Deletes the account after proof (the password, and a current code with 2FA on; `ProofService`):
   * personal data is scrubbed from the user row, sessions, tokens, codes and history are deleted, and the
   * audit events stay, tied only to the now anonymous user id.
   */
  async delete(caller: AuthUser, password: string, code: string | undefined): Promise<void> {
    const user = await this.proof.prove(caller.userId, 'account_deletion', { password, code });
    await this.dataSource.transaction(async (manager) => {
      // The user's row first (the scrub locks it), then the sessions: the lock order of every transaction
      // touching users and per-user tables, so a sign-in starting meanwhile can't deadlock with it.
      await this.users.scrub(user.id, this.clock.now(), manager);
      const ended = await this.sessions.revokeAllForUser(user.id, 'account_deleted', { manager });
      await this.sessions.deleteAllForUser(user.id, manager);
      await this.audit.record({ type: 'user.deleted', userId: user.id, details: { endedSessions: ended } }, manager);
    });
  }
}
