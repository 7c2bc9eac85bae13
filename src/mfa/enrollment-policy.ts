import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EntityManager } from 'typeorm';
import { Role } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { UsersService } from '../users/users.service';

const DAY = 86_400_000;

/** What a sign-in tells a user without 2FA; `required` confines the session to enrolling. */
export interface Enrollment {
  mfaEnrollment: 'none' | 'recommended' | 'required';
  /** With `recommended` under enforcement: when it turns `required`. */
  mfaEnrollmentGraceEndsAt?: string;
}

/** What the policy needs of an account. */
export interface EnrollmentSubject {
  id: string;
  email: string;
  roles: Role[];
  mfaEnabled: boolean;
  mfaEnforcedSince: Date | null;
}

/**
 * What a user without 2FA is asked: MFA_ENROLLMENT for everyone, raised by the `mfa_enforcement` flag
 * for the users it targets. Enforcement starts with MFA_ENFORCEMENT_GRACE_DAYS of `recommended`
 * (counted from the first sign-in it applied to), then `required`.
 */
@Injectable()
export class MfaEnrollmentPolicy {
  constructor(
    private readonly flags: FeatureFlagService,
    private readonly users: UsersService,
    private readonly config: ConfigService<Config, true>,
  ) {}

  async of(user: EnrollmentSubject, now: Date, manager: EntityManager): Promise<Enrollment> {
    if (user.mfaEnabled) return { mfaEnrollment: 'none' };
    const configured = this.config.get('mfa.enrollment', { infer: true });
    if (configured === 'required') return { mfaEnrollment: 'required' };
    const subject = { id: user.id, email: user.email, roles: user.roles };
    if (!(await this.flags.isEnabled('mfa_enforcement', subject, manager))) return { mfaEnrollment: configured };
    const since = user.mfaEnforcedSince ?? (await this.users.startMfaEnforcement(user.id, now, manager));
    const graceEndsAt = new Date(since.getTime() + this.config.get('mfa.enforcementGraceDays', { infer: true }) * DAY);
    return graceEndsAt > now
      ? { mfaEnrollment: 'recommended', mfaEnrollmentGraceEndsAt: graceEndsAt.toISOString() }
      : { mfaEnrollment: 'required' };
  }
}
