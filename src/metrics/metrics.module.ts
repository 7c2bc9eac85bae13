import { Module } from '@nestjs/common';
import { MetricsCoreModule } from './metrics-core.module';
import { MetricsController } from './metrics.controller';

@Module({
  imports: [MetricsCoreModule],
  controllers: [MetricsController],
  exports: [MetricsCoreModule],
})
export class MetricsModule {}
