import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { TrustedDevices } from '../devices/trusted-devices.service';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { PasswordHistoryRepository } from '../passwords/password-history.repository';
import { PasswordPolicy } from '../passwords/password-policy.service';
import { PasswordError, PasswordException } from '../passwords/password.exception';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';

/**
 * Sets an account's new password (change or reset): the policy, then the history, then the hash. Every
 * remembered device ends with the old password.
 */
@Injectable()
export class PasswordReplacement {
  constructor(
    private readonly users: UserRepository,
    private readonly policy: PasswordPolicy,
    private readonly history: PasswordHistoryRepository,
    private readonly hasher: PasswordHasher,
    private readonly devices: TrustedDevices,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
  ) {}

  /**
   * 400 `weak_password` (the policy) or `password_reused` (one of the PASSWORD_HISTORY_COUNT latest);
   * otherwise stores the new hash, clears a forced change and remembers the old hash.
   */
  async replace(user: UserEntity, newPassword: string, manager: EntityManager): Promise<void> {
    this.policy.assert(newPassword, user.email);
    const keep = Math.max(1, this.config.get('security.passwordHistoryCount', { infer: true }));
    const earlier = [user.passwordHash, ...(await this.history.recentHashes(user.id, keep, manager))];
    for (const hash of earlier.slice(0, keep)) {
      if (await this.hasher.verify(newPassword, hash)) {
        throw new PasswordException(
          PasswordError.PasswordReused,
          `The new password must differ from your last ${keep} passwords`,
        );
      }
    }
    const newHash = await this.hasher.hash(newPassword);
    const now = this.clock.now();
    await this.users.replacePassword(user.id, newHash, now, manager);
    await this.history.remember(
      user.id,
      user.passwordHash,
      now,
      this.config.get('security.passwordHistoryCount', { infer: true }),
      manager,
    );
    await this.devices.endAll(user.id, 'password_replaced', manager);
  }
}
