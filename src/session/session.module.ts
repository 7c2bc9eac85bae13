import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { SessionController } from './session.controller';
import { SessionExceptionFilter } from './session.exception';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionCoreModule } from './session-core.module';

/** The service's side of sessions: their routes and the cleanup job on CLEANUP_CRON. */
@Module({
  imports: [SessionCoreModule],
  controllers: [SessionController],
  providers: [SessionCleanupJob, { provide: APP_FILTER, useClass: SessionExceptionFilter }],
  exports: [SessionCoreModule],
})
export class SessionModule {}
