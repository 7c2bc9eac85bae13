import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RefreshTokens } from './refresh-tokens.service';
import { SessionCleanupService } from './session-cleanup.service';
import { SessionEntity } from './session.entity';
import { SessionRepository } from './session.repository';
import { SessionService } from './session.service';

/** The session services, without the routes or the cleanup job: what other modules (and the CLI) call. */
@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity, RefreshTokenEntity]), AuditModule, MetricsCoreModule],
  providers: [SessionRepository, RefreshTokenRepository, RefreshTokens, SessionService, SessionCleanupService],
  exports: [SessionService, SessionCleanupService, RefreshTokens],
})
export class SessionCoreModule {}
