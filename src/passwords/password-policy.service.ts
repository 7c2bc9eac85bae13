import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Config } from '../config/configuration';
import { passwordProblems } from './password-policy';
import { PasswordError, PasswordException } from './password.exception';

/** The configured password policy, for every place that sets a password (sign-up, change, reset, admins). */
@Injectable()
export class PasswordPolicy {
  constructor(private readonly config: ConfigService<Config, true>) {}

  /** 400 `weak_password` with the reasons when the password fails PASSWORD_MIN_LENGTH and the rest of the policy. */
  assert(password: string, email: string): void {
    const security = this.config.get('security', { infer: true });
    const problems = passwordProblems(password, email, {
      minLength: security.passwordMinLength,
      requireClasses: security.passwordRequireClasses,
    });
    if (problems.length > 0) {
      throw new PasswordException(PasswordError.WeakPassword, 'Password does not meet the policy', {
        reasons: problems,
      });
    }
  }
}
