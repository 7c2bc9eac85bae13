/**
 * `npm run bench:ab -- <live|me> <build> <build> [...]`: the CPU cost per request and the memory of two or
 * more builds of the service, measured side by side. A build is a copy of the bench's build directory
 * (node_modules/.cache/twofold-bench, or any directory with src/main.js), one per commit or variant, and
 * may be followed by Node flags in the same argument, for a variant of the image's flags:
 * `"node_modules/.cache/twofold-bench --max-semi-space-size=4"` runs that build with the flag after the
 * image's NODE_OPTIONS and CMD flags (the last of a flag given twice wins).
 * Every build is served at once on one throwaway database; rounds of load go to each in turn, in an
 * order that rotates, and the medians are compared. On a shared 2-core machine whose speed swings within
 * minutes, runs one after the other give opposite verdicts; this tells a few percent apart.
 *
 * Environment: BENCH_DATABASE_URL (as run.ts), AB_ROUNDS (default 7), AB_ROUND_MS (default 3000),
 * BENCH_CONNECTIONS (default 16).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildRequest, json, median, once, runLoad } from './load';
import {
  cpuSampler,
  createDatabase,
  freePort,
  IMAGE_NODE_ARGS,
  int,
  log,
  memoryOf,
  Proc,
  serviceEnv,
  spawnNode,
  startSmtpSink,
  waitReady,
} from './support';

const env = process.env;
const ROUNDS = int('AB_ROUNDS', 7);
const ROUND_MS = int('AB_ROUND_MS', 3_000);
const CONNECTIONS = int('BENCH_CONNECTIONS', 16);
const API = '/api/v1';
const PASSWORD = 'Correct-Horse-Battery-42';

interface Served {
  build: string;
  proc: Proc;
  port: number;
}

async function accessTokens(port: number, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = { email: `ab-${i}@example.com`, password: PASSWORD };
    const registered = await once(port, 'POST', `${API}/auth/register`, { body });
    if (registered.status !== 201) throw new Error(`registering failed: ${registered.status}`);
    const login = await once(port, 'POST', `${API}/auth/login`, { body });
    const token = login.status === 200 ? json<{ accessToken?: string }>(login).accessToken : undefined;
    if (!token) throw new Error(`login failed: ${login.status} ${login.body.toString()}`);
    tokens.push(token);
  }
  return tokens;
}

async function main(): Promise<void> {
  const [target, ...builds] = process.argv.slice(2);
  if ((target !== 'live' && target !== 'me') || builds.length < 2) {
    throw new Error('usage: npm run bench:ab -- <live|me> <build> <build> [...]');
  }
  const database = await createDatabase(env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  const sink = await startSmtpSink();
  const workDir = mkdtempSync(join(tmpdir(), 'twofold-ab-'));
  const served: Served[] = [];
  try {
    const settings = {
      databaseUrl: database.url,
      smtpUrl: sink.url,
      dataDir: workDir,
      bcryptCost: 4,
      logLevel: 'warn',
    };
    // One secret for all: a token signed by one build is valid at every other.
    const shared = serviceEnv({ ...settings, port: 0 });
    for (const build of builds) {
      const [path, ...nodeArgs] = build.split(' ').filter(Boolean);
      const dir = isAbsolute(path) ? path : resolve(path);
      const port = await freePort();
      const spawnedAt = performance.now();
      const proc = spawnNode(join(dir, 'src', 'main.js'), [], { ...shared, PORT: String(port) }, dir, [
        ...IMAGE_NODE_ARGS,
        ...nodeArgs,
      ]);
      served.push({ build, proc, port });
      await waitReady(proc, port, spawnedAt);
    }
    const tokens = target === 'me' ? await accessTokens(served[0].port, CONNECTIONS) : [];
    const requestsOf = (port: number) =>
      target === 'live'
        ? [buildRequest(port, 'GET', '/health/live')]
        : tokens.map((token) =>
            buildRequest(port, 'GET', `${API}/auth/me`, { headers: { Authorization: `Bearer ${token}` } }),
          );
    const load = (one: Served, durationMs: number) => {
      const requests = requestsOf(one.port);
      return runLoad({
        port: one.port,
        connections: CONNECTIONS,
        durationMs,
        next: (c) => requests[c % requests.length],
      });
    };
    for (const one of served) await load(one, 2_000);
    const cpuUs = served.map((): number[] => []);
    const rates = served.map((): number[] => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < served.length; k++) {
        const i = (k + round) % served.length;
        const sampler = cpuSampler({ service: served[i].proc.pid });
        const result = await load(served[i], ROUND_MS);
        const cores = sampler.stop()?.service ?? Number.NaN;
        if (result.errors) throw new Error(`${served[i].build}: ${result.errorSamples.join('; ')}`);
        cpuUs[i].push((cores / result.rate) * 1e6);
        rates[i].push(result.rate);
      }
      log(`round ${round + 1} of ${ROUNDS}`);
    }
    for (let i = 0; i < served.length; i++) {
      const each = cpuUs[i].map((us) => us.toFixed(0)).join(' ');
      const memory = memoryOf(served[i].proc.pid);
      process.stdout.write(
        `${served[i].build}: ${target} ${median(cpuUs[i]).toFixed(1)} µs CPU per request (rounds: ${each}), ` +
          `${median(rates[i]).toFixed(0)} req/s, RSS ${memory.rssMiB.toFixed(0)} MiB (peak ${memory.peakMiB.toFixed(0)})\n`,
      );
    }
  } finally {
    await Promise.all(served.map((one) => one.proc.stop()));
    await sink.close();
    await database.drop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exitCode = 1;
});
