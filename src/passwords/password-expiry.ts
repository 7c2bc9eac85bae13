import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';

const DAY = 86_400_000;

/** What expiry needs of an account. */
export interface PasswordAge {
  passwordChangedAt: Date;
  mustChangePassword: boolean;
}

/** PASSWORD_MAX_AGE_DAYS, and an admin's forced change: when a sign-in is confined to changing the password. */
@Injectable()
export class PasswordExpiry {
  private readonly maxAgeDays: number;

  constructor(config: ConfigService<Config, true>) {
    this.maxAgeDays = config.get('security.passwordMaxAgeDays', { infer: true });
  }

  /** When the password must be changed; null when passwords do not expire. */
  expiresAt(account: PasswordAge): Date | null {
    return this.maxAgeDays === 0 ? null : new Date(account.passwordChangedAt.getTime() + this.maxAgeDays * DAY);
  }

  mustChange(account: PasswordAge, now: Date): boolean {
    const expiresAt = this.expiresAt(account);
    return account.mustChangePassword || (expiresAt !== null && expiresAt <= now);
  }
}
