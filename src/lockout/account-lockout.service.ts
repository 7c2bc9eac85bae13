import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Config } from '../config/configuration';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics, FailedAttemptKind } from '../metrics/auth-metrics';
import { DomainException } from '../common/filters/domain.exception';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { TrustedDevice } from '../devices/trusted-device.repository';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { LockoutError, LockoutException } from './lockout.exception';

export interface Failure {
  /** What the caller gets unless this attempt locks the account. */
  error: DomainException<string>;
  /** Why, as the audit trail says (`wrong_password`, `wrong_current_password`, `wrong_second_factor`). */
  reason: string;
  kind?: FailedAttemptKind;
  /** The sensitive action whose proof failed; unset for a sign-in. */
  action?: string;
  /** The remembered device the attempt came with: it counts on the device's own counter. */
  device?: TrustedDevice;
}

/**
 * The one failure counter per account: wrong passwords and wrong second factors both count, at sign-in
 * and in the proof of every sensitive action (`ProofService`).
 */
@Injectable()
export class AccountLockout {
  constructor(
    private readonly users: UsersService,
    private readonly config: ConfigService<Config, true>,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly notifications: SecurityNotifications,
    private readonly devices: TrustedDevices,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Refuses a locked account with 423 (audited, so probing a locked account leaves a trace). `action`
   * names the sensitive action whose proof was refused, for attempts that are not a sign-in.
   */
  async assertNotLocked(
    user: Pick<UserEntity, 'id' | 'lockedUntil'>,
    now: Date,
    { action, device }: { action?: string; device?: TrustedDevice } = {},
  ): Promise<void> {
    // A remembered device answers to its own lock only: a stranger's failures locked new devices out.
    const lockedUntil = device ? device.lockedUntil : user.lockedUntil;
    if (lockedUntil && lockedUntil > now) {
      await this.audit.record({
        type: 'login.failed',
        userId: user.id,
        details: {
          reason: device ? 'device_locked' : 'account_locked',
          ...(action ? { action } : {}),
          ...(device ? { deviceId: device.id } : {}),
        },
      });
      throw AccountLockout.lockedError(lockedUntil);
    }
  }

  /**
   * Counts a failed attempt, audits it (and a lockout, which also mails the user), and throws: 423
   * when this attempt locks the account, `failure.error` otherwise.
   */
  async fail(user: Pick<UserEntity, 'id' | 'email'>, now: Date, failure: Failure): Promise<never> {
    const { error, reason, kind = 'password', action, device } = failure;
    const security = this.config.get('security', { infer: true });
    const limits = [now, security.maxFailedLoginAttempts, security.lockoutDurationMinutes * 60_000] as const;
    const outcome = await this.dataSource.transaction(async (manager) => {
      const counted = device
        ? await this.devices.recordFailure(device.id, ...limits, manager)
        : await this.users.recordFailedAttempt(user.id, ...limits, manager);
      const on = device ? { deviceId: device.id } : {};
      await this.audit.record(
        { type: 'login.failed', userId: user.id, details: { reason, ...(action ? { action } : {}), ...on } },
        manager,
      );
      if (counted.lockedNow) {
        await this.audit.record(
          {
            type: device ? 'device.locked' : 'account.locked',
            userId: user.id,
            details: { lockedUntil: counted.lockedUntil?.toISOString(), ...on },
          },
          manager,
        );
      }
      return counted;
    });
    this.metrics.failedAttempts.inc({ kind });
    if (outcome.lockedNow && outcome.lockedUntil) {
      this.metrics.lockouts.inc();
      if (device) this.metrics.trustedDevices.inc({ event: 'locked' });
      this.notifications.accountLocked(user.email, outcome.lockedUntil, device ? 'this_device' : 'new_devices');
    }
    if (outcome.lockedUntil) throw AccountLockout.lockedError(outcome.lockedUntil);
    throw error;
  }

  private static lockedError(lockedUntil: Date): LockoutException {
    return new LockoutException(LockoutError.AccountLocked, 'Account is locked after too many failed attempts', {
      lockedUntil: lockedUntil.toISOString(),
    });
  }
}
