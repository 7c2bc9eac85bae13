import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagExceptionFilter } from './feature-flag.exception';
import { FeatureFlagRepository } from './feature-flag.repository';
import { FeatureFlagService } from './feature-flag.service';

/** Feature flags: their evaluation for a user or an anonymous request, and the one way to change them. */
@Module({
  imports: [AuditModule],
  providers: [FeatureFlagService, FeatureFlagRepository, { provide: APP_FILTER, useClass: FeatureFlagExceptionFilter }],
  exports: [FeatureFlagService],
})
export class FeatureFlagModule {}
