import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { ProofService } from '../lockout/proof.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { SessionService } from '../session/session.service';
import { PasswordReplacement } from '../users/password-replacement.service';

/** `POST /auth/password/change`: the current password as proof, then the new one; other sessions end. */
@Injectable()
export class PasswordChange {
  constructor(
    private readonly proof: ProofService,
    private readonly replacement: PasswordReplacement,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly notifications: SecurityNotifications,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Needs the current password, proved on the failure counter (`ProofService`); ends the other sessions. */
  async change(caller: AuthUser, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.proof.prove(caller.userId, 'password_change', { password: currentPassword });
    await this.dataSource.transaction(async (manager) => {
      await this.replacement.replace(user, newPassword, manager);
      await this.sessions.revokeAllForUser(user.id, 'password_changed', { keepId: caller.sessionId, manager });
      await this.sessions.promoteToFull(caller.sessionId, manager);
      await this.audit.record({ type: 'password.changed', userId: user.id }, manager);
    });
    this.notifications.passwordChanged(user.email);
  }
}
