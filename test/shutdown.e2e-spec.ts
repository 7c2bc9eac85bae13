import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, spawnService } from './support/service-process';

interface Outcome {
  status?: number;
  connection?: string;
  error?: string;
}

/** One GET; resolves with the reply or the socket error, never rejects. */
function probe(port: number, agent: Agent | false): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health/live', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('graceful shutdown', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'twofold-shutdown-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(port: number, delayMs: number) {
    return spawnService({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: String(delayMs),
    });
  }

  it('turns readiness to 503 at once on SIGTERM, keeps liveness, then exits 0', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = start(port, 3000);
    try {
      await eventually(async () => {
        const res = await fetch(`${base}/health/ready`);
        if (res.status !== 200) throw new Error(`ready: ${res.status}`);
      });

      service.child.kill('SIGTERM');
      const ready = await eventually(
        async () => {
          const res = await fetch(`${base}/health/ready`);
          if (res.status !== 503) throw new Error(`still ${res.status}`);
          return res.json() as Promise<{ statusCode: number; details: { lifecycle: { status: string } } }>;
        },
        50,
        20,
      );
      expect(ready.details.lifecycle.status).toBe('down');
      expect((await fetch(`${base}/health/live`)).status).toBe(200);

      expect(await service.exited).toBe(0);
      expect(service.output()).toContain(`Listening on http://127.0.0.1:${port}`);
      expect(service.output()).not.toContain('probes and metrics on');
      expect(service.output()).toContain('readiness is now 503');
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  it('answers every request it accepted under load, saying Connection: close while draining', async () => {
    const delayMs = 1000;
    const port = await freePort();
    const service = start(port, delayMs);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      await eventually(async () => {
        if ((await probe(port, false)).status !== 200) throw new Error('not up');
      });
      const outcomes: Outcome[] = [];
      let killedAt = Infinity;
      // Eight clients as a load balancer sends them: four open a connection per request until the
      // balancer has taken the replica out (half the shutdown delay after SIGTERM); four reuse kept-alive
      // connections until a reply says Connection: close. Bounded: at most 3,000 requests each.
      const clients = Array.from({ length: 8 }, async (_, index) => {
        const fresh = index % 2 === 0;
        for (let i = 0; i < 3000; i++) {
          if (fresh && Date.now() > killedAt + delayMs / 2) break;
          const outcome = await probe(port, fresh ? false : keepAlive);
          outcomes.push(outcome);
          if (outcome.error || (!fresh && outcome.connection === 'close')) break;
        }
      });
      await eventually(() => (outcomes.length < 200 ? Promise.reject(new Error('warming up')) : Promise.resolve()));
      killedAt = Date.now();
      service.child.kill('SIGTERM');
      await Promise.all(clients);

      expect(await service.exited).toBe(0);
      expect(outcomes.filter((outcome) => outcome.error)).toEqual([]);
      expect(outcomes.every((outcome) => outcome.status === 200)).toBe(true);
      expect(outcomes.filter((outcome) => outcome.connection === 'close').length).toBeGreaterThanOrEqual(4);
    } finally {
      keepAlive.destroy();
      service.child.kill('SIGKILL');
    }
  });
});
