import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { SessionCleanupService } from './session-cleanup.service';
import { SessionEntity } from './session.entity';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

/** The session services, without the routes or the cleanup job: what other modules (and the CLI) call. */
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), AuditModule, MetricsCoreModule],
  providers: [SessionRepository, SessionService, SessionCleanupService],
  exports: [SessionService, SessionCleanupService],
})
export class SessionCoreModule {}
