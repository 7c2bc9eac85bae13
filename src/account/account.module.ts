import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { LockoutModule } from '../lockout/lockout.module';
import { MfaCoreModule } from '../mfa/mfa-core.module';
import { SessionCoreModule } from '../session/session-core.module';
import { UsersModule } from '../users/users.module';
import { AccountDataController } from './account-data.controller';
import { AccountDataService } from './account-data.service';

/** A user's own data: the export of everything kept about them, and deleting the account. */
@Module({
  imports: [UsersModule, SessionCoreModule, MfaCoreModule, AuditModule, LockoutModule],
  controllers: [AccountDataController],
  providers: [AccountDataService],
})
export class AccountModule {}
