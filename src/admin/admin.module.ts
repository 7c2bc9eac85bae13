import { DevicesCoreModule } from '../devices/devices-core.module';
import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagModule } from '../feature-flags/feature-flag.module';
import { MfaModule } from '../mfa/mfa.module';
import { SessionModule } from '../session/session.module';
import { UsersModule } from '../users/users.module';
import { AdminStatsService } from './admin-stats.service';
import { AdminController } from './admin.controller';

/** Admin endpoints composed from the other modules' services; no business logic of its own. */
@Module({
  imports: [UsersModule, MfaModule, SessionModule, AuditModule, FeatureFlagModule, DevicesCoreModule],
  controllers: [AdminController],
  providers: [AdminStatsService],
})
export class AdminModule {}
