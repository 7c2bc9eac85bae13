import { Module } from '@nestjs/common';
import { SessionController } from './session.controller';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionCoreModule } from './session-core.module';

/** The service's side of sessions: their routes and the cleanup job on CLEANUP_CRON. */
@Module({
  imports: [SessionCoreModule],
  controllers: [SessionController],
  providers: [SessionCleanupJob],
  exports: [SessionCoreModule],
})
export class SessionModule {}
