import { DevicesCoreModule } from '../devices/devices-core.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionCoreModule } from '../session/session-core.module';
import { PasswordReplacement } from './password-replacement.service';
import { UserMfaColumns } from './user-mfa-columns.service';
import { UserAdminService } from './user-admin.service';
import { UserEntity } from './user.entity';
import { UserRepository } from './user.repository';
import { UsersService } from './users.service';

/**
 * Accounts: the user table and support work on accounts (admin API and CLI). No routes and no admin
 * bootstrap: the CLI boots this without the service around it.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([UserEntity]),
    SessionCoreModule,
    AuditModule,
    PasswordsModule,
    MetricsCoreModule,
    DevicesCoreModule,
  ],
  providers: [UserRepository, UsersService, UserMfaColumns, PasswordReplacement, UserAdminService],
  exports: [UsersService, UserMfaColumns, PasswordReplacement, UserAdminService],
})
export class UsersModule {}
