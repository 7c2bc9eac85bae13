import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '../metrics/metrics.module';
import { AuditModule } from '../audit/audit.module';
import { SessionEntity } from './session.entity';
import { SessionController } from './session.controller';
import { SessionExceptionFilter } from './session.exception';
import { SessionCleanupJob } from './session-cleanup.job';
import { SessionCleanupService } from './session-cleanup.service';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), AuditModule, MetricsModule],
  controllers: [SessionController],
  providers: [
    SessionRepository,
    SessionService,
    SessionCleanupService,
    SessionCleanupJob,
    { provide: APP_FILTER, useClass: SessionExceptionFilter },
  ],
  exports: [SessionService, SessionCleanupService],
})
export class SessionModule {}
