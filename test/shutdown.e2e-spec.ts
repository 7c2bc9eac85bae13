import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, spawnService } from './support/service-process';

describe('graceful shutdown', () => {
  it('turns readiness to 503 at once on SIGTERM, keeps liveness, then exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'twofold-shutdown-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const service = spawnService({
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_DELAY_MS: '3000',
    });
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
      expect(service.output()).toContain('readiness is now 503');
    } finally {
      service.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
