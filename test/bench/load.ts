/**
 * A small, bounded HTTP/1.1 load client for the benchmarks: raw keep-alive sockets, one request in
 * flight per connection (no pipelining), closed loop. It is deliberately lean, because on a 2-core
 * machine the client shares the CPU with the server it measures: a heavy client would make a cheap
 * server look slower than it is and squash every ratio towards 1.
 */
import { connect, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

const HEADER_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
/** A request that takes longer than this is an error and its connection is dropped. */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface Response {
  status: number;
  /** The status line and headers, as received. */
  head: string;
  body: Buffer;
  close: boolean;
}

export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
}

/** Builds the bytes of a request once, so a load loop only writes a buffer. */
export function buildRequest(port: number, method: string, path: string, options: RequestOptions = {}): Buffer {
  const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: application/json\r\n`;
  for (const [name, value] of Object.entries(options.headers ?? {})) head += `${name}: ${value}\r\n`;
  if (payload) head += `Content-Type: application/json\r\nContent-Length: ${payload.length}\r\n`;
  head += '\r\n';
  return payload ? Buffer.concat([Buffer.from(head, 'latin1'), payload]) : Buffer.from(head, 'latin1');
}

class ResponseError extends Error {}

interface Pending {
  resolve: (response: Response) => void;
  reject: (error: Error) => void;
}

/** One keep-alive connection; reconnects on the next request after the server closed it. */
export class Connection {
  private socket: Socket | undefined;
  private pending: Pending | undefined;
  private buffer: Buffer | undefined;
  private startedAt = 0;

  constructor(private readonly port: number) {}

  request(bytes: Buffer): Promise<Response> {
    if (this.pending) return Promise.reject(new Error('a request is already in flight on this connection'));
    const socket = this.socket && !this.socket.destroyed ? this.socket : this.open();
    this.buffer = undefined;
    this.startedAt = performance.now();
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      socket.write(bytes);
    });
  }

  /** Drops a request that ran over its time (called by the watchdog). */
  expire(now: number): void {
    if (this.pending && now - this.startedAt > REQUEST_TIMEOUT_MS) {
      this.fail(new ResponseError(`timeout after ${REQUEST_TIMEOUT_MS} ms`));
    }
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect({ port: this.port, host: '127.0.0.1', noDelay: true });
    // Events of a socket already replaced by a newer one must not touch the newer one's request.
    socket.on('data', (chunk: Buffer) => this.socket === socket && this.onData(chunk));
    socket.on('error', (error) => this.socket === socket && this.fail(error));
    socket.on('close', () => this.socket === socket && this.fail(new ResponseError('connection closed early')));
    this.socket = socket;
    return socket;
  }

  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    this.close();
    pending?.reject(error);
  }

  private onData(chunk: Buffer): void {
    if (!this.pending) return;
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    let response: Response | undefined;
    try {
      response = parseResponse(this.buffer);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    if (!response) return;
    const { resolve } = this.pending;
    this.pending = undefined;
    this.buffer = undefined;
    if (response.close) this.close();
    resolve(response);
  }
}

/** A complete response in `buffer`, or undefined while more bytes are needed. */
function parseResponse(buffer: Buffer): Response | undefined {
  const headEnd = buffer.indexOf(HEADER_END);
  if (headEnd < 0) return undefined;
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) throw new ResponseError('not an HTTP/1.x response');
  const close = /\r\nconnection:\s*close/i.test(head);
  const start = headEnd + 4;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) {
    const end = start + Number(length[1]);
    if (buffer.length < end) return undefined;
    return { status, head, body: buffer.subarray(start, end), close };
  }
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf(CRLF, at);
      if (lineEnd < 0) return undefined;
      const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
      if (!Number.isInteger(size)) throw new ResponseError('bad chunk size');
      if (size === 0) {
        if (buffer.indexOf(HEADER_END, lineEnd - 2) < 0) return undefined;
        return { status, head, body: Buffer.concat(parts), close };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      parts.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  // No length and not chunked: only bodiless answers (204, 304) are expected from these servers.
  return { status, head, body: Buffer.alloc(0), close };
}

export function json<T = any>(response: Response): T {
  return JSON.parse(response.body.toString('utf8')) as T;
}

/** Drops every request that ran over REQUEST_TIMEOUT_MS; stop it with the returned function. */
function watchdog(connections: Connection[]): () => void {
  const timer = setInterval(() => {
    const now = performance.now();
    for (const connection of connections) connection.expire(now);
  }, 500);
  return () => clearInterval(timer);
}

/** 'ok', 'shed' (a designed refusal such as 503 overloaded) or a description of the error. */
export type Outcome = string;

export interface LoadOptions {
  port: number;
  connections: number;
  durationMs: number;
  warmupMs?: number;
  maxRequests?: number;
  stopWhen?: () => boolean;
  /** The bytes of a client's next request; undefined: this client is done. */
  next: (client: number, seq: number) => Buffer | undefined;
  classify?: (response: Response, client: number) => Outcome;
}

export interface LoadResult {
  ok: number;
  shed: number;
  errors: number;
  errorSamples: string[];
  statuses: Record<number, number>;
  issued: number;
  /** Successful responses per second of the measured window. */
  rate: number;
  /** From the end of the warm-up until the last client stopped (for runs bounded by count). */
  elapsedMs: number;
  /** Milliseconds, of the successful responses inside the window. */
  latencies: Float64Array;
}

/**
 * Runs `connections` closed-loop clients. Bounded three ways: `warmupMs + durationMs` of wall time, at
 * most `maxRequests` requests, and REQUEST_TIMEOUT_MS per request; `stopWhen()` ends it early. Only
 * responses that complete inside the measured window (after the warm-up) count towards the rate and the
 * latencies; errors count wherever they happen.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { port, connections, durationMs, next } = options;
  const warmupMs = options.warmupMs ?? 0;
  const maxRequests = options.maxRequests ?? 2_000_000;
  const stopWhen = options.stopWhen ?? (() => false);
  const classify =
    options.classify ?? ((response: Response) => (response.status === 200 ? 'ok' : `HTTP ${response.status}`));
  const pool = Array.from({ length: connections }, () => new Connection(port));
  const stopWatchdog = watchdog(pool);
  const windowStart = performance.now() + warmupMs;
  const deadline = windowStart + durationMs;
  const latencies = new Float64Array(Math.min(maxRequests, 4_000_000));
  let latencyCount = 0;
  let issued = 0;
  const result = { ok: 0, shed: 0, errors: 0, errorSamples: [] as string[], statuses: {} as Record<number, number> };

  const noteError = (text: string) => {
    result.errors++;
    if (result.errorSamples.length < 5 && !result.errorSamples.includes(text)) result.errorSamples.push(text);
  };

  const client = async (index: number) => {
    const connection = pool[index];
    for (let seq = 0; performance.now() < deadline && issued < maxRequests && !stopWhen(); seq++) {
      const bytes = next(index, seq);
      if (bytes === undefined) return;
      issued++;
      const started = performance.now();
      let outcome: Outcome;
      let response: Response | undefined;
      try {
        response = await connection.request(bytes);
        outcome = classify(response, index);
      } catch (error) {
        outcome = `network: ${(error as Error).message}`;
      }
      const ended = performance.now();
      if (response) result.statuses[response.status] = (result.statuses[response.status] ?? 0) + 1;
      if (outcome !== 'ok' && outcome !== 'shed') noteError(outcome);
      else if (ended < windowStart || ended > deadline) continue;
      else if (outcome === 'shed') result.shed++;
      else {
        result.ok++;
        if (latencyCount < latencies.length) latencies[latencyCount++] = ended - started;
      }
    }
  };

  try {
    await Promise.all(pool.map((_, index) => client(index)));
  } finally {
    stopWatchdog();
    for (const connection of pool) connection.close();
  }
  return {
    ...result,
    issued,
    rate: result.ok / (durationMs / 1000),
    elapsedMs: performance.now() - windowStart,
    latencies: latencies.slice(0, latencyCount),
  };
}

export interface ProbeResult {
  latencies: Float64Array;
  failures: string[];
}

/**
 * Probes `path` every `intervalMs` on its own keep-alive connection until `stop()` is called or `maxMs`
 * passes, and records each probe's latency. A probe that takes longer than the interval delays the
 * next one (they never pile up).
 */
export function startProbe(port: number, path: string, intervalMs: number, maxMs: number) {
  const connection = new Connection(port);
  const bytes = buildRequest(port, 'GET', path);
  const latencies: number[] = [];
  const failures: string[] = [];
  const stopWatchdog = watchdog([connection]);
  let stopped = false;
  const begin = performance.now();
  const done = (async (): Promise<ProbeResult> => {
    for (let tick = 0; !stopped && performance.now() - begin < maxMs; tick++) {
      const started = performance.now();
      try {
        const response = await connection.request(bytes);
        if (response.status !== 200) failures.push(`HTTP ${response.status}`);
      } catch (error) {
        failures.push(`network: ${(error as Error).message}`);
      }
      latencies.push(performance.now() - started);
      const wait = begin + (tick + 1) * intervalMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    stopWatchdog();
    connection.close();
    return { latencies: Float64Array.from(latencies), failures };
  })();
  return {
    stop: (): Promise<ProbeResult> => {
      stopped = true;
      return done;
    },
  };
}

/** One request on a fresh connection (setup work, not measured). */
export async function once(port: number, method: string, path: string, options?: RequestOptions): Promise<Response> {
  const connection = new Connection(port);
  const stopWatchdog = watchdog([connection]);
  try {
    return await connection.request(buildRequest(port, method, path, options));
  } finally {
    stopWatchdog();
    connection.close();
  }
}

/** Runs `task(item)` over `items` with at most `concurrency` at a time; bounded by the list. */
export async function eachLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
