import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { ApiErrors, ErrorDoc } from '../common/decorators/api-errors.decorator';
import { Public } from '../common/decorators/public.decorator';
import { Config } from '../config/configuration';
import { LivenessResponseDto } from './dto/liveness-response.dto';
import { ReadinessIndicators } from './readiness.indicators';

const checks = { type: 'object', additionalProperties: { type: 'object' } } as const;

/** Terminus's report, in the error shape (its `error` map becomes the reason phrase). */
const NOT_READY: ErrorDoc = {
  status: 503,
  description: 'Not ready: the database is unreachable, migrations are pending, or the service is shutting down',
  fields: {
    status: { type: 'string', enum: ['error', 'shutting_down'] },
    info: { ...checks, description: 'The checks that passed' },
    details: { ...checks, description: 'Every check (lifecycle, database, migrations) and Redis, with its status' },
  },
};

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: ReadinessIndicators,
    private readonly config: ConfigService<Config, true>,
  ) {}

  /** Liveness: the process serves requests. Never touches the database. */
  @ApiOperation({ summary: 'Liveness probe' })
  @Get('live')
  live(): LivenessResponseDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: database reachable, migrations applied, not shutting down. Redis is reported in
   * `details.redis` but does not make the replica unready (rate limits fall back to local counters).
   */
  @ApiOperation({ summary: 'Readiness probe' })
  @ApiErrors(NOT_READY)
  @Get('ready')
  @HealthCheck({ swaggerDocumentation: true })
  ready(): Promise<HealthCheckResult> {
    return this.check();
  }

  /** The same as `/health/ready`. */
  @ApiOperation({ summary: 'Readiness probe (alias of /health/ready)' })
  @ApiErrors(NOT_READY)
  @Get()
  @HealthCheck({ swaggerDocumentation: true })
  aggregate(): Promise<HealthCheckResult> {
    return this.check();
  }

  private async check(): Promise<HealthCheckResult> {
    const timeout = this.config.get('database.healthTimeoutMs', { infer: true });
    const [redis, result] = await Promise.all([
      this.readiness.redisStatus(timeout),
      this.health
        .check([
          () => this.readiness.lifecycle(),
          () => this.readiness.database(timeout),
          () => this.readiness.migrationsApplied(timeout),
        ])
        .catch((error: unknown) => error),
    ]);
    if (result instanceof ServiceUnavailableException) {
      const body = result.getResponse() as HealthCheckResult;
      throw new ServiceUnavailableException({ ...body, details: { ...body.details, redis } });
    }
    if (result instanceof Error) throw result;
    const healthy = result as HealthCheckResult;
    return { ...healthy, details: { ...healthy.details, redis } };
  }
}
