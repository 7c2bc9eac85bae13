import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '../database/database.module';
import { HealthController } from './health.controller';
import { IdleMemoryReducer } from './idle-memory-reducer';
import { ManagementListener } from './management-listener';
import { ReadinessIndicators } from './readiness.indicators';
import { ShutdownState } from './shutdown-state';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DatabaseModule],
  controllers: [HealthController],
  providers: [ShutdownState, ReadinessIndicators, ManagementListener, IdleMemoryReducer],
})
export class HealthModule {}
