/**
 * Where the time of one request goes (measurement 8): a V8 CPU profile (`--cpu-prof`) of a process under
 * load, its samples inside the measured window summed by what they ran, divided by the requests served.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

/** The format `node --cpu-prof` writes: samples (node ids) and the microseconds between them. */
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The parts of the pipeline the issue asks about, and the rest, in the order the table lists them. */
export const PARTS = [
  'socket writes (writev: kernel time, and time descheduled while in it)',
  'HTTP parsing and writing, streams, events (Node core)',
  'Fastify: routing, hooks, reply (with the security-header, request-id and content-type hooks)',
  'serialization (JSON of the reply)',
  'Nest: router, guards, pipes, param decorators',
  'request context (AsyncLocalStorage: its hook and, on Node 20, promise hooks)',
  'metrics with labels (prom-client histogram per request)',
  'logging (pino, the request-id mixin, the request-line hook)',
  'access token (passport-jwt, jsonwebtoken, HMAC)',
  'PostgreSQL driver (pg: the statements, parsing rows and dates)',
  'entity hydration and SQL helpers (TypeORM, src/database)',
  "the route's own code (src: strategy, session check, account, controller)",
  'promise and microtask machinery, timers',
  'garbage collection',
  'everything else',
] as const;

export type Part = (typeof PARTS)[number];

const PACKAGE = /node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** What a sampled frame belongs to: by function for a few natives, else by its package or source file. */
function partOf({ functionName, url }: CallFrame): Part | undefined {
  if (functionName === '(idle)') return undefined;
  if (functionName === 'writev' || functionName === 'writeBuffer' || functionName === 'writeUtf8String') {
    return PARTS[0];
  }
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === 'runMicrotasks') return 'promise and microtask machinery, timers';
  const bench = url.split('/twofold-bench/')[1];
  if (bench !== undefined) {
    if (/^src\/(metrics)\//.test(bench)) return 'metrics with labels (prom-client histogram per request)';
    if (/^src\/logging\//.test(bench)) return 'logging (pino, the request-id mixin, the request-line hook)';
    if (/^src\/common\/http\/request-context/.test(bench)) return PARTS[5];
    if (/^src\/(app\.factory|common\/http)/.test(bench)) return PARTS[2];
    if (/^src\/database\//.test(bench)) return 'entity hydration and SQL helpers (TypeORM, src/database)';
    return PARTS[11];
  }
  const pkg = PACKAGE.exec(url)?.[1];
  if (pkg === 'fastify' && functionName === 'serialize') return 'serialization (JSON of the reply)';
  if (url.includes('async_hooks') || url.includes('async_context_frame')) return PARTS[5];
  if (pkg === 'prom-client') return 'metrics with labels (prom-client histogram per request)';
  if (pkg && /^(pino|nestjs-pino|pino-std-serializers|sonic-boom|thread-stream)$/.test(pkg)) {
    return 'logging (pino, the request-id mixin, the request-line hook)';
  }
  if (pkg && /^(fastify|find-my-way|@fastify\/.+|fast-querystring|light-my-request|avvio)$/.test(pkg)) return PARTS[2];
  if (pkg && /^(@nestjs\/.+|reflect-metadata|rxjs|class-validator|class-transformer)$/.test(pkg)) {
    return pkg === '@nestjs/passport' ? 'access token (passport-jwt, jsonwebtoken, HMAC)' : PARTS[4];
  }
  if (
    pkg &&
    /^(passport|passport-jwt|passport-strategy|jsonwebtoken|jws|jwa|safe-buffer|ecdsa-sig-formatter)$/.test(pkg)
  ) {
    return 'access token (passport-jwt, jsonwebtoken, HMAC)';
  }
  if (url.startsWith('node:internal/crypto')) return 'access token (passport-jwt, jsonwebtoken, HMAC)';
  if (pkg && /^(pg|pg-protocol|pg-pool|pg-types|postgres-.+|pg-int8)$/.test(pkg)) return PARTS[9];
  if (pkg === 'typeorm') return 'entity hydration and SQL helpers (TypeORM, src/database)';
  if (url.startsWith('node:internal/process/task_queues') || url.includes('timers')) {
    return 'promise and microtask machinery, timers';
  }
  if (/^node:(_http|net|events|buffer|internal\/(http|stream|streams|buffer|net)|stream)/.test(url)) return PARTS[1];
  return 'everything else';
}

export interface Breakdown {
  /** Microseconds of samples per request, by part. */
  perRequest: Map<Part, number>;
  /** Their sum: the busy (non-idle) time of the process per request. */
  totalUs: number;
}

/**
 * The profile `dir` holds (one process, one file), summed over the samples that fall `fromMs` to `toMs`
 * after the profile began, per one of `requests`.
 */
export function breakdown(dir: string, fromMs: number, toMs: number, requests: number): Breakdown {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no CPU profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const perRequest = new Map<Part, number>(PARTS.map((part) => [part, 0]));
  let at = 0;
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    if (at < fromMs * 1000 || at > toMs * 1000) continue;
    const frame = frames.get(profile.samples[i]);
    const part = frame && partOf(frame);
    if (!part) continue;
    perRequest.set(part, (perRequest.get(part) ?? 0) + profile.timeDeltas[i] / requests);
    totalUs += profile.timeDeltas[i] / requests;
  }
  return { perRequest, totalUs };
}
