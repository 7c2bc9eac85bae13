import { Module } from '@nestjs/common';
import { AuthMetrics } from './auth-metrics';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  controllers: [MetricsController],
  providers: [MetricsService, AuthMetrics],
  exports: [MetricsService, AuthMetrics],
})
export class MetricsModule {}
