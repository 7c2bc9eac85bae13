import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../common/decorators/public.decorator';
import { Config } from '../config/configuration';
import { LivenessResponseDto } from './dto/liveness-response.dto';
import { ReadinessIndicators } from './readiness.indicators';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly readiness: ReadinessIndicators,
    private readonly config: ConfigService<Config, true>,
  ) {}

  /** Liveness: the process serves requests. Never touches the database. */
  @ApiOperation({ summary: 'Liveness probe' })
  @Get('live')
  live(): LivenessResponseDto {
    return { status: 'ok' };
  }

  /** Readiness: database reachable, migrations applied, Redis reachable when configured, not shutting down. */
  @ApiOperation({ summary: 'Readiness probe' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: a dependency is down or the service is shutting down' })
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: true })
  ready(): Promise<HealthCheckResult> {
    return this.check();
  }

  /** The same as `/health/ready`. */
  @ApiOperation({ summary: 'Readiness probe (alias of /health/ready)' })
  @ApiServiceUnavailableResponse({ description: 'Not ready' })
  @Get()
  @HealthCheck({ swaggerDocumentation: true })
  aggregate(): Promise<HealthCheckResult> {
    return this.check();
  }

  private check(): Promise<HealthCheckResult> {
    const timeout = this.config.get('database.healthTimeoutMs', { infer: true });
    return this.health.check([
      () => this.readiness.lifecycle(),
      () => this.db.pingCheck('database', { timeout }),
      () => this.readiness.migrationsApplied(timeout),
      () => this.readiness.redisPing(timeout),
    ]);
  }
}
