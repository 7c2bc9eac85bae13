import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { AuthUser } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { SessionService } from '../session/session.service';
import { AuditService } from '../audit/audit.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { AccountLockout } from './account-lockout.service';
import { AuthError, AuthException } from './auth.exception';
import { PasswordHasher } from './password-hasher.service';
import { PasswordHistoryRepository } from './password-history.repository';
import { passwordProblems } from './password-policy';
import { UserRepository } from './user.repository';

/** Password changes: proof of the current password, the policy, the history, and the other sessions ended. */
@Injectable()
export class PasswordService {
  constructor(
    private readonly users: UserRepository,
    private readonly history: PasswordHistoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly lockout: AccountLockout,
    private readonly audit: AuditService,
    private readonly sessions: SessionService,
    private readonly notifications: SecurityNotifications,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async change(caller: AuthUser, currentPassword: string, newPassword: string): Promise<void> {
    const security = this.config.get('security', { infer: true });
    const user = await this.users.findActiveById(caller.userId);
    if (!user) throw new AuthException(AuthError.InvalidCredentials, 'Account no longer exists');
    if (!(await this.hasher.verify(currentPassword, user.passwordHash))) {
      await this.lockout.fail(
        user,
        this.clock.now(),
        new AuthException(AuthError.CurrentPasswordWrong, 'The current password is wrong'),
        'wrong_current_password',
      );
    }
    const problems = passwordProblems(newPassword, user.email, {
      minLength: security.passwordMinLength,
      requireClasses: security.passwordRequireClasses,
    });
    if (problems.length > 0) {
      throw new AuthException(AuthError.WeakPassword, 'Password does not meet the policy', { reasons: problems });
    }
    const newHash = await this.hasher.hash(newPassword);
    await this.dataSource.transaction(async (manager) => {
      const earlier = [
        user.passwordHash,
        ...(await this.history.recentHashes(user.id, security.passwordHistoryCount, manager)),
      ];
      for (const hash of earlier.slice(0, Math.max(1, security.passwordHistoryCount))) {
        if (await this.hasher.verify(newPassword, hash)) {
          throw new AuthException(
            AuthError.PasswordReused,
            `The new password must differ from your last ${Math.max(1, security.passwordHistoryCount)} passwords`,
          );
        }
      }
      const now = this.clock.now();
      await this.users.replacePassword(user.id, newHash, now, manager);
      await this.history.remember(user.id, user.passwordHash, now, security.passwordHistoryCount, manager);
      await this.sessions.revokeAllForUser(user.id, 'password_changed', { keepId: caller.sessionId, manager });
      await this.sessions.promoteToFull(caller.sessionId, manager);
      await this.audit.record({ type: 'password.changed', userId: user.id }, manager);
    });
    this.notifications.passwordChanged(user.email);
  }
}
