import { Injectable } from '@nestjs/common';
import { DomainException } from '../common/filters/domain.exception';
import { LockoutError } from '../lockout/lockout.exception';
import { AuthMetrics } from '../metrics/auth-metrics';
import { LoginResponseDto } from './dto/login-response.dto';

/** `auth_logins_total` by result, for both steps of a sign-in. */
@Injectable()
export class LoginMetrics {
  constructor(private readonly metrics: AuthMetrics) {}

  /** Counts the sign-in step's outcome: success, mfa_required, failure or locked (any refusal of ours). */
  async count(step: Promise<LoginResponseDto>): Promise<LoginResponseDto> {
    try {
      const response = await step;
      this.metrics.logins.inc({ result: response.status === 'mfa_required' ? 'mfa_required' : 'success' });
      return response;
    } catch (error) {
      if (error instanceof DomainException) {
        this.metrics.logins.inc({ result: error.code === LockoutError.AccountLocked ? 'locked' : 'failure' });
      }
      throw error;
    }
  }

  /** A password tried against an unknown account (a known one is counted by AccountLockout). */
  failedPassword(): void {
    this.metrics.failedAttempts.inc({ kind: 'password' });
  }
}
