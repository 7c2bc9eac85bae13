import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagRepository } from './feature-flag.repository';
import { FeatureFlagService } from './feature-flag.service';

/** Feature flags: their evaluation for a user or an anonymous request, and the one way to change them. */
@Module({
  imports: [AuditModule],
  providers: [FeatureFlagService, FeatureFlagRepository],
  exports: [FeatureFlagService],
})
export class FeatureFlagModule {}
