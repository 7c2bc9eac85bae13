import type { Role } from '../../common/auth/auth-user';

export class FeatureFlagDto {
  /** The flag's name, e.g. `passwordless_auth`. */
  key: string;
  /** The kill switch: off means off for everyone, whatever the targeting says. */
  enabled: boolean;
  /**
   * Share of users (0-100) the flag is on for, chosen by a sticky hash of flag and user id: raising it only
   * adds users. Anonymous requests see the flag only at 100.
   * @example 5
   */
  rolloutPercent: number;
  /** Holders of any of these roles get the flag whatever the percentage. */
  roles: Role[];
  /** Emails (lowercase) that get the flag whatever the percentage. */
  allowEmails: string[];
  /** What the flag switches. */
  description: string;
  /** When an admin last changed the flag; null while it still has its default from code and environment. */
  updatedAt: Date | null;
}
