import { DevicesCoreModule } from '../devices/devices-core.module';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { LockoutModule } from '../lockout/lockout.module';
import { MfaCoreModule } from '../mfa/mfa-core.module';
import { SessionCoreModule } from '../session/session-core.module';
import { UsersModule } from '../users/users.module';
import { AccountDataController } from './account-data.controller';
import { AccountDeletion } from './account-deletion.service';
import { AccountExport } from './account-export.service';

/** A user's own data: the export of everything kept about them, and deleting the account. */
@Module({
  imports: [
    UsersModule,
    SessionCoreModule,
    MfaCoreModule,
    AuditModule,
    LockoutModule,
    PasswordsModule,
    AuthModule,
    DevicesCoreModule,
  ],
  controllers: [AccountDataController],
  providers: [AccountExport, AccountDeletion],
})
export class AccountModule {}
