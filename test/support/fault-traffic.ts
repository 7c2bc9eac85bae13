import { Server } from 'node:http';
import { TestApp } from './test-app';
import { TimedResponse } from './timed-http';

export interface TrafficSample {
  name: string;
  response: TimedResponse;
}

/**
 * Requests sent one after another in the background while a test breaks a dependency: bounded in count
 * and in time, paced a little so an outage's fast failures don't flood the logs.
 */
export class Traffic {
  readonly samples: TrafficSample[] = [];
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(
    step: (index: number) => Promise<TrafficSample>,
    private readonly limits = { requests: 300, ms: 90_000, pauseMs: 10 },
  ) {
    this.done = this.run(step);
  }

  private async run(step: (index: number) => Promise<TrafficSample>): Promise<void> {
    const deadline = Date.now() + this.limits.ms;
    for (let index = 0; index < this.limits.requests && !this.stopped && Date.now() < deadline; index++) {
      this.samples.push(await step(index));
      await new Promise((resolve) => setTimeout(resolve, this.limits.pauseMs));
    }
  }

  /** Resolves once `count` samples are in (or the loop has ended), checking in bounded steps. */
  async atLeast(count: number, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.samples.length < count && !this.stopped && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<TrafficSample[]> {
    this.stopped = true;
    await this.done;
    return this.samples;
  }
}

/** Polls `check` until it returns true, at most `timeoutMs`; returns how long it took, or undefined. */
export async function within(
  timeoutMs: number,
  check: () => Promise<boolean>,
  intervalMs = 200,
): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started <= timeoutMs) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  return undefined;
}

/** Log lines that carry a stack trace (`\n    at ...` inside a JSON string). */
export function hasStackTrace(line: string): boolean {
  return /\\n\s+at /.test(line);
}

/**
 * What is wrong with the log lines written during an outage: at most one ERROR line per failed request,
 * no stack trace for a known outage error, and repeated errors outside requests collapsed.
 */
export function outageLogProblems(lines: string[], maxUnscopedErrors = 3): string[] {
  const problems: string[] = [];
  const entries = lines.map((line) => ({ line, entry: JSON.parse(line) as Record<string, any> }));
  const errorsPerRequest = new Map<string, number>();
  let unscoped = 0;
  for (const { line, entry } of entries) {
    if (hasStackTrace(line)) problems.push(`stack trace logged: ${line.slice(0, 300)}`);
    if (entry.level < 50) continue;
    if (typeof entry.requestId === 'string') {
      errorsPerRequest.set(entry.requestId, (errorsPerRequest.get(entry.requestId) ?? 0) + 1);
    } else unscoped++;
  }
  for (const [requestId, count] of errorsPerRequest) {
    if (count > 1) problems.push(`${count} ERROR lines for request ${requestId}`);
  }
  if (unscoped > maxUnscopedErrors) problems.push(`${unscoped} ERROR lines outside any request (not collapsed)`);
  // One line of each kind is enough for the report.
  const distinct = [
    ...new Map(problems.map((problem) => [problem.replace(/[0-9a-f-]{36}|\d+/g, '#'), problem])).values(),
  ];
  return problems.length > distinct.length ? [...distinct, `(${problems.length} problems in all)`] : distinct;
}

/**
 * Closes the app; when closing takes longer than `timeoutMs` (a connection the server keeps open), closes
 * every connection by force so nothing outlives the test file, then fails with what happened.
 */
export async function closeWithin(t: TestApp, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const closing = t.close();
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const outcome = await Promise.race([closing, late]);
  clearTimeout(timer);
  if (outcome !== 'late') return;
  const server: Server = t.app.getHttpServer();
  const open = await new Promise<number>((resolve) => server.getConnections((_, count) => resolve(count)));
  server.closeAllConnections();
  await closing;
  throw new Error(
    `app.close() had not finished after ${timeoutMs} ms: ${open} HTTP connection(s) still open (closed by force)`,
  );
}
