import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { LinkTokens } from '../auth/link-tokens.service';
import { AuthUser } from '../common/auth/auth-user';
import { ProofService } from '../lockout/proof.service';
import { MfaService } from '../mfa/mfa.service';
import { PasswordHistoryRepository } from '../passwords/password-history.repository';
import { SessionService } from '../session/session.service';
import { UsersService } from '../users/users.service';

/** `DELETE /account`: each module erases what it keeps about the user, in one transaction. */
@Injectable()
export class AccountDeletion {
  constructor(
    private readonly proof: ProofService,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly mfa: MfaService,
    private readonly linkTokens: LinkTokens,
    private readonly passwordHistory: PasswordHistoryRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Deletes the account after proof (the password, and a current code with 2FA on; `ProofService`):
   * personal data is scrubbed from the user row, sessions, tokens, codes and history are deleted, and the
   * audit events stay, tied only to the now anonymous user id.
   */
  async delete(caller: AuthUser, password: string, code: string | undefined): Promise<void> {
    const user = await this.proof.prove(caller.userId, 'account_deletion', { password, code });
    await this.dataSource.transaction(async (manager) => {
      // The user's row first (the scrub locks it), then the per-user rows: the lock order of every
      // transaction touching users and per-user tables, so a sign-in starting meanwhile can't deadlock with it.
      await this.users.scrub(user.id, manager);
      await this.mfa.forgetUser(user.id, manager);
      await this.linkTokens.forgetUser(user.id, manager);
      await this.passwordHistory.deleteAllForUser(user.id, manager);
      const ended = await this.sessions.revokeAllForUser(user.id, 'account_deleted', { manager });
      await this.sessions.deleteAllForUser(user.id, manager);
      await this.audit.record({ type: 'user.deleted', userId: user.id, details: { endedSessions: ended } }, manager);
    });
  }
}
