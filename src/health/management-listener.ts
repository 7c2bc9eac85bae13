import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { FastifyInstance } from 'fastify';
import { createServer, Server } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Config } from '../config/configuration';

/** What an operator's tooling calls: the probes and the Prometheus scrape (route templates). */
const MANAGEMENT_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * MANAGEMENT_PORT, as Keycloak's management interface: a second HTTP listener in front of the same
 * Fastify instance, so the probes and `/metrics` keep the very handlers, hooks, readiness checks, metrics
 * registry and ShutdownState of the API, yet need not be reachable where the API is. Each listener
 * serves only its own routes and answers the other's with the usual 404.
 */
@Injectable()
export class ManagementListener {
  private readonly port: number | undefined;
  private fastify?: FastifyInstance;
  private server?: Server;
  /** Connections accepted by the management listener; every other one came through the API's. */
  private readonly sockets = new WeakSet<Socket>();

  constructor(config: ConfigService<Config, true>) {
    this.port = config.get('app.managementPort', { infer: true });
  }

  /** The listener's HTTP server, once `listen` has been called with MANAGEMENT_PORT set. */
  get httpServer(): Server | undefined {
    return this.server;
  }

  /** Splits the routes between the two listeners; a no-op when MANAGEMENT_PORT is unset. */
  install(fastify: FastifyInstance): void {
    if (this.port === undefined) return;
    this.fastify = fastify;
    fastify.addHook('onRequest', (request, reply, done) => {
      const managementRoute = MANAGEMENT_ROUTES.has(request.routeOptions.url ?? '');
      if (managementRoute !== this.sockets.has(request.raw.socket)) {
        reply.callNotFound();
        return;
      }
      done();
    });
  }

  /**
   * Once the API listens: listens on MANAGEMENT_PORT on the API's interface, with the API server's
   * timeouts and malformed-request replies. Resolves with the address, or undefined when unset.
   */
  async listen(): Promise<AddressInfo | undefined> {
    const fastify = this.fastify;
    if (this.port === undefined || !fastify) return undefined;
    const api = fastify.server;
    const server = createServer((request, response) => fastify.routing(request, response));
    server.keepAliveTimeout = api.keepAliveTimeout;
    server.requestTimeout = api.requestTimeout;
    for (const listener of api.listeners('clientError')) server.on('clientError', listener as () => void);
    server.on('connection', (socket: Socket) => this.sockets.add(socket));
    const host = (api.address() as AddressInfo).address;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return server.address() as AddressInfo;
  }
}
