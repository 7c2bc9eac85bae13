import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagExceptionFilter } from './feature-flag.exception';
import { FeatureFlagRepository } from './feature-flag.repository';
import { FeatureFlagService } from './feature-flag.service';
import { RequireFlagGuard } from './require-flag.guard';

/**
 * Feature flags. Modules whose controllers use `@RequireFlag(...)` import this module: the guard it applies
 * is built in their scope and needs `FeatureFlagService`.
 */
@Module({
  imports: [AuditModule],
  providers: [
    FeatureFlagService,
    FeatureFlagRepository,
    RequireFlagGuard,
    { provide: APP_FILTER, useClass: FeatureFlagExceptionFilter },
  ],
  exports: [FeatureFlagService, RequireFlagGuard],
})
export class FeatureFlagModule {}
