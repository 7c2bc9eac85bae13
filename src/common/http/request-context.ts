import { FastifyInstance, FastifyRequest } from 'fastify';
import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a request came from: what the audit trail records beside each event. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export function clientOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    requestId: String(request.id),
  };
}

const clients = new AsyncLocalStorage<ClientContext>();

/**
 * Keeps the current request's client in async-local storage, so services deep below a controller
 * (the audit trail above all) know it without every method passing it along. Entered once, in the last
 * hook before the handler: everything the route runs (guards, pipes, the handler, the exception filter,
 * work it defers past the reply) runs inside it. Earlier hooks and body parsing run outside it, and
 * nothing there reads it; so no hook needs to carry the context across the body's arrival (what
 * @fastify/request-context does with an AsyncResource per request).
 */
export function installRequestContext(fastify: FastifyInstance): void {
  fastify.addHook('preHandler', (request, _reply, done) => clients.run(clientOf(request), done));
}

/** The client of the request being served; undefined outside a request (CLI, scheduled jobs). */
export function currentClient(): ClientContext | undefined {
  return clients.getStore();
}
