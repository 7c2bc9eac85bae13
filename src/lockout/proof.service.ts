import { Injectable } from '@nestjs/common';
import { Clock } from '../common/clock/clock';
import { MfaError, MfaException } from '../mfa/mfa.exception';
import { CodePurpose, MfaService } from '../mfa/mfa.service';
import { sessionEnded } from '../session/session-ended';
import { AccountLockout } from './account-lockout.service';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { UserEntity } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { LockoutError, LockoutException } from './lockout.exception';

/** The actions that need proof at the time (DESIGN section 3), as the audit trail names them. */
export type SensitiveAction =
  'mfa_disable' | 'backup_codes_regenerate' | 'password_change' | 'account_deletion' | 'passkey_remove';

interface CodeNeed {
  /** `always`: 2FA must be on; `with_2fa`: a code only when 2FA is on. */
  when: 'always' | 'with_2fa';
  /** What the code's audit events say it was for. */
  purpose: CodePurpose;
}

/**
 * What each action needs. Which kind of code will do is the request DTO's rule: regeneration takes only
 * a TOTP code (six digits), the others a TOTP code or a backup code.
 */
const NEEDS: Record<SensitiveAction, { password: boolean; code: CodeNeed | null }> = {
  mfa_disable: { password: true, code: { when: 'always', purpose: 'disable' } },
  backup_codes_regenerate: { password: false, code: { when: 'always', purpose: 'regenerate' } },
  password_change: { password: true, code: null },
  account_deletion: { password: true, code: { when: 'with_2fa', purpose: 'account_deletion' } },
  // A passkey is a second factor, so 2FA is on and the code is needed: a backup code where TOTP is off.
  passkey_remove: { password: true, code: { when: 'with_2fa', purpose: 'passkey_remove' } },
};

/** What the request offers as proof. */
export interface GivenProof {
  password?: string;
  code?: string;
}

/**
 * The one proof check of every sensitive action: the password and/or a current 2FA code, given in the
 * request, on the account's one failure counter (`AccountLockout`), as at sign-in. A stolen access token
 * therefore buys no more guesses at the password or the code than the login form does.
 */
@Injectable()
export class ProofService {
  constructor(
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly mfa: MfaService,
    private readonly lockout: AccountLockout,
    private readonly clock: Clock,
  ) {}

  /**
   * Answers the account once the proof holds. Otherwise:
   * - a locked account gets 423 with `lockedUntil`, whatever it gave (audited);
   * - 409 `mfa_not_enabled` when the action needs a code but 2FA is off; 400 `mfa_invalid_code` when a
   *   needed code is missing (nothing was guessed, so nothing counts);
   * - a wrong password 403 `current_password_wrong`, a wrong or replayed code 400 `mfa_invalid_code`: each
   *   counted and audited, and the attempt that reaches MAX_FAILED_LOGIN_ATTEMPTS locks the account (423).
   * A right code is used up: it can't prove anything twice. The password is checked first, so a wrong
   * one costs no code.
   */
  async prove(userId: string, action: SensitiveAction, given: GivenProof): Promise<UserEntity> {
    const needs = NEEDS[action];
    const user = await this.users.findActiveById(userId);
    if (!user) throw sessionEnded();
    const now = this.clock.now();
    await this.lockout.assertNotLocked(user, now, { action });
    if (needs.code?.when === 'always' && !user.mfaEnabled) {
      throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off');
    }
    const codeNeed = needs.code && user.mfaEnabled ? needs.code : null;
    if (codeNeed && given.code === undefined) {
      throw new MfaException(MfaError.InvalidCode, 'Give a current 2FA code or a backup code');
    }
    if (needs.password && !(await this.hasher.verify(given.password ?? '', user.passwordHash))) {
      await this.lockout.fail(user, now, {
        error: new LockoutException(LockoutError.CurrentPasswordWrong, 'The current password is wrong'),
        reason: 'wrong_current_password',
        action,
      });
    }
    if (codeNeed && given.code !== undefined) {
      const check = await this.mfa.consumeSecondFactor(user.id, given.code, codeNeed.purpose);
      if (!check.ok) {
        await this.lockout.fail(user, now, {
          error: new MfaException(MfaError.InvalidCode, 'The code is not valid'),
          reason: 'wrong_second_factor',
          kind: check.method === 'otp' ? 'totp' : 'backup_code',
          action,
        });
      }
    }
    return user;
  }
}
