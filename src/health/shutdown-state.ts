import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setImmediate as nextLoopTurn, setTimeout as sleep } from 'node:timers/promises';
import { Config } from '../config/configuration';
import { ManagementListener } from './management-listener';

/**
 * How long after the listener closes a connection accepted just before may take to deliver its request,
 * and how often idle connections are closed while the last requests finish.
 */
const SETTLE_MS = 100;

/**
 * Shutdown in three steps, so no accepted connection is dropped without a reply:
 * 1. readiness turns 503 and every reply says `Connection: close`, for SHUTDOWN_DELAY_MS, while load
 *    balancers stop sending traffic;
 * 2. the listener closes (after one more turn of the event loop, which accepts what the kernel queued);
 * 3. connections that then deliver a request are served, idle ones are closed, until none is left.
 * The API's listener and the management listener (MANAGEMENT_PORT) drain side by side. Only then does
 * Nest close the HTTP adapter and the database.
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ShutdownState.name);
  private draining = false;

  constructor(
    private readonly config: ConfigService<Config, true>,
    private readonly adapterHost: HttpAdapterHost,
    private readonly management: ManagementListener,
  ) {}

  get shuttingDown(): boolean {
    return this.draining;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.draining = true;
    const delay = this.config.get('app.shutdownDelayMs', { infer: true });
    this.logger.log(`Shutting down (${signal ?? 'close'}); readiness is now 503, draining for ${delay} ms`);
    if (delay > 0) await sleep(delay);
    const api = this.adapterHost.httpAdapter?.getHttpServer() as HttpServer | undefined;
    await Promise.all([api, this.management.httpServer].map((server) => this.closeConnections(server)));
  }

  private async closeConnections(server: HttpServer | undefined): Promise<void> {
    if (!server?.listening) return;
    await nextLoopTurn();
    // net.Server's close stops accepting without http.Server's immediate close of idle connections,
    // which would also reset connections whose first request is still on its way.
    const closed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    await Promise.race([closed, sleep(SETTLE_MS)]);
    server.closeIdleConnections();
    const sweep = setInterval(() => server.closeIdleConnections(), SETTLE_MS);
    try {
      await closed;
    } finally {
      clearInterval(sweep);
    }
  }
}
