import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { breakdown } from './profile';

const BENCH = '/repo/node_modules/.cache/twofold-bench';
const frames = {
  idle: { functionName: '(idle)', url: '' },
  writev: { functionName: 'writev', url: '' },
  gc: { functionName: '(garbage collector)', url: '' },
  route: { functionName: 'me', url: `file://${BENCH}/src/users/users.service.js` },
  metrics: { functionName: 'observe', url: 'file:///repo/node_modules/prom-client/lib/histogram.js' },
  serialize: { functionName: 'serialize', url: 'file:///repo/node_modules/fastify/lib/reply.js' },
  hooks: { functionName: 'hookRunner', url: 'file:///repo/node_modules/fastify/lib/hooks.js' },
  hydrate: { functionName: 'hydrate', url: `file://${BENCH}/src/database/hydrate.js` },
  alsHook: { functionName: 'promiseInitHook', url: 'node:internal/async_hooks' },
  pg: { functionName: 'parseRow', url: 'file:///repo/node_modules/pg/lib/result.js' },
};
type Frame = keyof typeof frames;

/** A profile sampling `samples` in order, each `deltaUs` after the one before. */
function profileOf(samples: Frame[], deltaUs: number): string {
  const names = Object.keys(frames) as Frame[];
  const dir = mkdtempSync(join(tmpdir(), 'twofold-profile-spec-'));
  writeFileSync(
    join(dir, 'CPU.test.cpuprofile'),
    JSON.stringify({
      nodes: names.map((name, index) => ({ id: index + 1, callFrame: frames[name] })),
      startTime: 0,
      samples: samples.map((name) => names.indexOf(name) + 1),
      timeDeltas: samples.map(() => deltaUs),
    }),
  );
  return dir;
}

describe('breakdown of a CPU profile', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('sums the samples of the window by part, per request, leaving idle time out', () => {
    // A sample every 1 ms, at 1 to 11 ms: the window of 2.5 to 10.5 ms leaves out the first two and the last.
    const dir = profileOf(
      ['route', 'route', 'writev', 'writev', 'idle', 'metrics', 'serialize', 'hooks', 'gc', 'route', 'pg'],
      1_000,
    );
    dirs.push(dir);
    const { perRequest, totalUs } = breakdown(dir, 2.5, 10.5, 4);
    expect(perRequest.get('socket writes (writev: kernel time, and time descheduled while in it)')).toBe(500);
    expect(perRequest.get('metrics with labels (prom-client histogram per request)')).toBe(250);
    expect(perRequest.get('serialization (JSON of the reply)')).toBe(250);
    expect(
      perRequest.get('Fastify: routing, hooks, reply (with the security-header, request-id and content-type hooks)'),
    ).toBe(250);
    expect(perRequest.get('garbage collection')).toBe(250);
    expect(perRequest.get("the route's own code (src: strategy, session check, account, controller)")).toBe(250);
    expect(perRequest.get('PostgreSQL driver (pg: the statements, parsing rows and dates)')).toBe(0);
    expect(totalUs).toBe(1_750);
  });

  it('tells hydration and the request context from the route code and Node core', () => {
    const dir = profileOf(['hydrate', 'alsHook', 'pg'], 100);
    dirs.push(dir);
    const { perRequest } = breakdown(dir, 0, 1, 1);
    expect(perRequest.get('entity hydration and SQL helpers (TypeORM, src/database)')).toBe(100);
    expect(perRequest.get('request context (AsyncLocalStorage: its hook and, on Node 20, promise hooks)')).toBe(100);
    expect(perRequest.get('PostgreSQL driver (pg: the statements, parsing rows and dates)')).toBe(100);
  });
});
