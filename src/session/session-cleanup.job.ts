import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { Config } from '../config/configuration';
import { SessionCleanupService } from './session-cleanup.service';

/** Runs the cleanup on CLEANUP_CRON (hourly by default); the work itself is SessionCleanupService's. */
@Injectable()
export class SessionCleanupJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(SessionCleanupJob.name);

  constructor(
    private readonly cleanup: SessionCleanupService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: ConfigService<Config, true>,
  ) {}

  onApplicationBootstrap(): void {
    const job = CronJob.from({
      cronTime: this.config.get('ops.cleanupCron', { infer: true }),
      onTick: () => {
        this.cleanup.run().catch((error: unknown) => this.logger.error({ err: error }, 'Cleanup failed'));
      },
    });
    this.scheduler.addCronJob('session-cleanup', job);
    job.start();
  }
}
