import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { setTimeout as sleep } from 'node:timers/promises';
import { Config } from '../config/configuration';

/**
 * Turns readiness to 503 the moment shutdown starts, then waits SHUTDOWN_DELAY_MS so load balancers
 * stop sending traffic before the server stops accepting connections.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownState.name);
  private draining = false;

  constructor(private readonly config: ConfigService<Config, true>) {}

  get shuttingDown(): boolean {
    return this.draining;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    const delay = this.config.get('app.shutdownDelayMs', { infer: true });
    this.logger.log(`Shutting down (${signal ?? 'close'}); readiness is now 503, draining for ${delay} ms`);
    if (delay > 0) await sleep(delay);
  }
}
