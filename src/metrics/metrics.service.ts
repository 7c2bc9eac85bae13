import { Injectable } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** A route's own hooks of one kind, as Fastify takes them: none, one or a list. */
function hookList<T>(hooks: T | T[] | undefined): T[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks];
}

/**
 * One registry per application instance (not prom-client's global one), so several app instances in
 * one process, as in tests, never collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route template, method and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Times every request; the route label is Fastify's route template, never the raw URL. Each route gets
   * a hook of its own that knows its template and keeps its label sets (reading `request.routeOptions`
   * builds a dozen-field object per request); a request no route matched is counted by the one global
   * hook, which runs for the not-found handler too (also where a hook sent the request there).
   */
  observeHttp(fastify: FastifyInstance): void {
    fastify.addHook('onRoute', (route) => {
      route.onResponse = [...hookList(route.onResponse), this.timerFor(route.url)];
    });
    const unmatched = this.timerFor('unmatched');
    fastify.addHook('onResponse', (request, reply, done) => (request.is404 ? unmatched(request, reply, done) : done()));
  }

  private timerFor(route: string): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
    const labelSets = new Map<string, Record<'method' | 'route' | 'status_code', string>>();
    return (request, reply, done) => {
      const key = `${request.method} ${reply.statusCode}`;
      let labels = labelSets.get(key);
      if (!labels) {
        labels = { method: request.method, route, status_code: String(reply.statusCode) };
        labelSets.set(key, labels);
      }
      this.httpDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    };
  }
}
