import { fastifyRequestContext, requestContext } from '@fastify/request-context';
import { FastifyInstance, FastifyRequest } from 'fastify';

/** Where a request came from: what the audit trail records beside each event. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

declare module '@fastify/request-context' {
  interface RequestContextData {
    client: ClientContext;
  }
}

export function clientOf(request: FastifyRequest): ClientContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent : null,
    requestId: String(request.id),
  };
}

/**
 * Keeps the current request's client in async-local storage, so services deep below a controller
 * (the audit trail above all) know it without every method passing it along.
 */
export async function installRequestContext(fastify: FastifyInstance): Promise<void> {
  await fastify.register(fastifyRequestContext, { defaultStoreValues: (request) => ({ client: clientOf(request) }) });
}

/** The client of the request being served; undefined outside a request (CLI, scheduled jobs). */
export function currentClient(): ClientContext | undefined {
  return requestContext.get('client');
}
