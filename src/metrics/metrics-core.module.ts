import { Module } from '@nestjs/common';
import { AuthMetrics } from './auth-metrics';
import { MetricsService } from './metrics.service';

/** The registry and the auth metrics, without the /metrics route: what services (and the CLI) count with. */
@Module({
  providers: [MetricsService, AuthMetrics],
  exports: [MetricsService, AuthMetrics],
})
export class MetricsCoreModule {}
