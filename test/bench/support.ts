/** Processes, databases, CPU accounting and small helpers for the benchmarks (run.ts, ab.ts). Every wait is bounded. */
import { ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { dirname, join, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { SMTPServer } from 'smtp-server';

/** The project root: the first directory above this file that has a package.json and is not in node_modules. */
function findRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (!dir.split(sep).includes('node_modules') && existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no project root above ${__dirname}`);
}

export const ROOT = findRoot();
/**
 * `npm run bench` builds into its own directory (ignored by git, prettier and eslint as part of
 * node_modules) rather than `dist/`: `nest build` empties its output directory first, and tests that run
 * `dist/` may be running at the same time. Modules still resolve from the project's node_modules. The
 * service measured is the one of the build this file is part of, so a copy of the build directory
 * (one per commit) measures that commit's service: how two commits are compared side by side.
 */
export const BUILD_DIR = join(__dirname, '..', '..');
export const MAIN = join(BUILD_DIR, 'src', 'main.js');
export const CLI = join(BUILD_DIR, 'src', 'cli', 'main.js');
export const BARE_SERVER = join(__dirname, 'bare-server.js');
export const NEST_SERVER = join(__dirname, 'nest-server.js');
export const FLOOR_SERVER = join(__dirname, 'floor-server.js');

export type Env = Record<string, string | undefined>;

/** A numeric setting of the bench from the environment, or `fallback` when unset. */
export const int = (name: string, fallback: number) => (process.env[name] ? Number(process.env[name]) : fallback);

const DOCKERFILE = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');

/** The service runs with the Node flags the image sets (docker/Dockerfile), the heap cap above all. */
export const IMAGE_NODE_OPTIONS = /^\s*NODE_OPTIONS="([^"]*)"/m.exec(DOCKERFILE)?.[1] ?? '';

/**
 * The V8 flags the image's CMD passes on the command line (those NODE_OPTIONS does not accept), for the
 * service and, like with like, for the servers it is compared with.
 */
export const IMAGE_NODE_ARGS: string[] = JSON.parse(
  /^CMD (\["node".*\])$/m.exec(DOCKERFILE)?.[1] ?? '["node", "dist/src/main.js"]',
).slice(1, -1);

export interface ServiceSettings {
  databaseUrl: string;
  smtpUrl: string;
  port: number;
  dataDir: string;
  bcryptCost: number;
  logLevel: string;
}

/** The environment of the service under test: production mode, the image's Node flags, no rate limits. */
export function serviceEnv(settings: ServiceSettings): Env {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    NODE_OPTIONS: IMAGE_NODE_OPTIONS,
    HOST: '127.0.0.1',
    PORT: String(settings.port),
    DATABASE_URL: settings.databaseUrl,
    DATA_DIR: settings.dataDir,
    JWT_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    SMTP_URL: settings.smtpUrl,
    COOKIE_SECURE: 'true',
    RATE_LIMIT_ENABLED: 'false',
    LOG_LEVEL: settings.logLevel,
    BCRYPT_COST: String(settings.bcryptCost),
    SHUTDOWN_DELAY_MS: '0',
    // The hourly cleanup job must not fire in the middle of a measurement.
    CLEANUP_CRON: '0 0 1 1 *',
  };
}

/** A local SMTP server that accepts and discards every mail, so mail delivery never retries. */
export async function startSmtpSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback());
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(resolve)) };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** The last 20,000 characters it wrote (stdout and stderr). */
  output(): string;
  exited: Promise<number | string | null>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<number | string | null>;
}

function track(child: ChildProcess): Proc {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let done = false;
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal);
    }),
  );
  return {
    child,
    pid: child.pid ?? -1,
    output: () => text,
    exited,
    get running() {
      return !done;
    },
    async stop(graceMs = 10_000) {
      if (done) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export function spawnNode(script: string, args: string[], env: Env, cwd: string, nodeArgs: string[] = []): Proc {
  return track(
    spawn(process.execPath, [...nodeArgs, script, ...args], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] }),
  );
}

/** Runs a node script to its end (stopped after `timeoutMs`); answers its exit code and output. */
export async function runNode(
  script: string,
  args: string[],
  env: Env,
  cwd: string,
  timeoutMs: number,
): Promise<{ code: number | string | null; output: string }> {
  const proc = spawnNode(script, args, env, cwd);
  const timer = setTimeout(() => void proc.stop(2_000), timeoutMs);
  try {
    const code = await proc.exited;
    return { code, output: proc.output() };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A floor server (bare-server.ts for measurement 1, floor-server.ts for 2) in its own process, with `env`
 * (the service's, for the floor of 2); it reports its port over IPC.
 */
export async function startFloorServer(
  script: string,
  env?: Env,
  nodeArgs: string[] = [],
): Promise<Proc & { port: number }> {
  const child = fork(script, [], { env, execArgv: nodeArgs, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const proc = track(child);
  const port = await Promise.race([
    new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port))),
    sleep(10_000).then(() => undefined),
  ]);
  if (!port) {
    await proc.stop();
    throw new Error(`${script} did not start within 10 s`);
  }
  return Object.assign(proc, { port });
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/**
 * Polls `/health/ready` every `intervalMs` until it answers 200; answers the milliseconds since `since`
 * (a `performance.now()` value). Throws when the process exits first or `timeoutMs` passes.
 */
export async function waitReady(proc: Proc, port: number, since: number, timeoutMs = 60_000, intervalMs = 20) {
  const deadline = since + timeoutMs;
  while (performance.now() < deadline) {
    if (!proc.running) throw new Error(`the service exited before it was ready:\n${proc.output()}`);
    if ((await status(port, '/health/ready')) === 200) return performance.now() - since;
    await sleep(intervalMs);
  }
  throw new Error(`the service was not ready within ${timeoutMs} ms:\n${proc.output()}`);
}

/** VmRSS and VmHWM (peak) of a process, in MiB. */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 };
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface Database {
  name: string;
  url: string;
  /** Safe to call more than once. */
  drop(): Promise<void>;
}

/** A throwaway PostgreSQL database next to the one `adminUrl` names. */
export async function createDatabase(adminUrl: string): Promise<Database> {
  const name = `twofold_bench_${Date.now()}_${process.pid}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export function gitDescription(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], { cwd: ROOT })
      .toString()
      .trim();
    return dirty ? `commit ${commit} with uncommitted changes in src/ or migrations/` : `commit ${commit}`;
  } catch {
    return 'unknown commit';
  }
}

// --- CPU accounting (Linux /proc) ---------------------------------------------------------------------

const TICKS_PER_SECOND = 100;

function processTicks(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** CPU ticks of every `postgres` process by pid (the server, its backends and workers). */
function postgresTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') ticks.set(entry, processTicks(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks;
}

/** Keeps the highest ticks seen per process, so a backend that ends before the sampler stops still counts. */
function notePostgresTicks(seen: Map<string, number>): void {
  for (const [pid, ticks] of postgresTicks()) seen.set(pid, Math.max(ticks, seen.get(pid) ?? 0));
}

/** Ticks spent since `before` by the processes seen in `seen` (a backend started meanwhile counts from 0). */
function postgresTicksSince(before: Map<string, number>, seen: Map<string, number>): number {
  let total = 0;
  for (const [pid, ticks] of seen) total += Math.max(0, ticks - (before.get(pid) ?? 0));
  return total;
}

function machineTicks(): number {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq] = values.map(Number);
  return user + nice + system + irq + softirq;
}

/** Cores busy (CPU seconds per wall second) by the named processes, PostgreSQL, this bench and the rest. */
export type CpuUse = Record<string, number> & { postgres: number; bench: number; other: number; machine: number };

/**
 * Samples the cores kept busy while a measurement runs: each named process (all its threads), every
 * `postgres` process together, this bench process (the load client), and everything else on the
 * machine (other work on a shared machine). Linux only; elsewhere `stop()` answers undefined.
 */
export function cpuSampler(pids: Record<string, number>): { stop(): CpuUse | undefined } {
  if (!existsSync('/proc/stat')) return { stop: () => undefined };
  const begin = performance.now();
  const named = Object.entries(pids).map(([name, pid]) => {
    const ticks = processTicks(pid);
    return { name, pid, ticks, last: ticks };
  });
  const postgres = postgresTicks();
  const postgresSeen = new Map(postgres);
  // A process that exits before stop() keeps the ticks it was last seen with.
  const watch = setInterval(() => {
    for (const entry of named) entry.last = Math.max(entry.last, processTicks(entry.pid));
    notePostgresTicks(postgresSeen);
  }, 250);
  const self = process.cpuUsage();
  const machine = machineTicks();
  return {
    stop() {
      clearInterval(watch);
      const seconds = (performance.now() - begin) / 1000;
      const cores = (ticks: number) => ticks / TICKS_PER_SECOND / seconds;
      const use: Record<string, number> = {};
      for (const entry of named) use[entry.name] = cores(Math.max(entry.last, processTicks(entry.pid)) - entry.ticks);
      const used = process.cpuUsage(self);
      const bench = (used.user + used.system) / 1e6 / seconds;
      notePostgresTicks(postgresSeen);
      const pg = cores(postgresTicksSince(postgres, postgresSeen));
      const total = cores(machineTicks() - machine);
      const known = Object.values(use).reduce((sum, value) => sum + value, 0) + pg + bench;
      return { ...use, postgres: pg, bench, other: Math.max(0, total - known), machine: total };
    },
  };
}

/** The mean of several samples (e.g. the rounds of one target). */
export function meanCpu(samples: (CpuUse | undefined)[]): CpuUse | undefined {
  const defined = samples.filter((sample): sample is CpuUse => sample !== undefined);
  if (defined.length === 0) return undefined;
  const mean: Record<string, number> = {};
  for (const key of Object.keys(defined[0])) {
    mean[key] = defined.reduce((sum, sample) => sum + sample[key], 0) / defined.length;
  }
  return mean as CpuUse;
}

export function describeCpu(cpu: CpuUse | undefined): string {
  if (!cpu) return 'n/a';
  const fixed = ['postgres', 'bench', 'other', 'machine'];
  const names = Object.keys(cpu).filter((key) => !fixed.includes(key) && cpu[key] >= 0.005);
  const parts = names.map((name) => `${name} ${cpu[name].toFixed(2)}`);
  return [
    ...parts,
    `pg ${cpu.postgres.toFixed(2)}`,
    `client ${cpu.bench.toFixed(2)}`,
    `other ${cpu.other.toFixed(2)}`,
  ].join(' · ');
}
