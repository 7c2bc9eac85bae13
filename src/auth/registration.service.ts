import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { PasswordHasher } from '../passwords/password-hasher.service';
import { PasswordPolicy } from '../passwords/password-policy.service';
import { UserResponseDto } from '../users/dto/user-response.dto';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { RegisterUserDto } from './dto/register-user.dto';
import { EmailVerificationService } from './email-verification.service';

/** `POST /auth/register`: self-service sign-up while the `registration_open` flag is on. */
@Injectable()
export class RegistrationService {
  constructor(
    private readonly users: UsersService,
    private readonly policy: PasswordPolicy,
    private readonly hasher: PasswordHasher,
    private readonly verification: EmailVerificationService,
    private readonly flags: FeatureFlagService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async register(dto: RegisterUserDto): Promise<UserResponseDto> {
    if (!(await this.flags.isEnabled('registration_open'))) {
      throw new AuthException(
        AuthError.RegistrationClosed,
        'Registration is closed; ask an administrator for an account',
      );
    }
    this.policy.assert(dto.password, dto.email);
    const now = this.clock.now();
    const passwordHash = await this.hasher.hash(dto.password);
    const { user, sendVerification } = await this.dataSource.transaction(async (manager) => {
      const created = await this.users.create(
        {
          email: dto.email,
          displayName: dto.displayName ?? null,
          passwordHash,
          createdAt: now,
          passwordChangedAt: now,
        },
        manager,
      );
      await this.audit.record({ type: 'user.registered', userId: created.id }, manager);
      return { user: created, sendVerification: await this.verification.issueAtRegistration(created, manager) };
    });
    sendVerification?.();
    return this.users.describe(user);
  }
}
