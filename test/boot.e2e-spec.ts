import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PASSWORD, registerUser, uniqueEmail } from './factories/user.factory';
import { HttpClient } from './support/http-client';
import { eventually, freePort, spawnService } from './support/service-process';

/** The memory a process holds (VmRSS, Linux), in MB. */
function residentMemoryMb(pid: number | undefined): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/**
 * `npm start` with no environment: the service runs on its embedded PGlite database in DATA_DIR.
 * The service runs as its own process, as it would for a developer; between runs the test opens
 * the same data directory with PGlite to see the migrations applied.
 */
describe('embedded database in DATA_DIR', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'twofold-boot-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Starts the service, runs `work` against it once it is ready, and stops it; resolves with its memory then. */
  async function runServiceOnce(work: (http: HttpClient) => Promise<void>): Promise<number> {
    const port = await freePort();
    const service = spawnService({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      const ready = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
        if (res.status !== 200) throw new Error(`ready: ${res.status}`);
        return (await res.json()) as { details: Record<string, { status: string }> };
      });
      expect(ready.details.migrations.status).toBe('up');
      await work(new HttpClient(`http://127.0.0.1:${port}`));
      const rssMb = residentMemoryMb(service.child.pid);
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      return rssMb;
    } finally {
      service.child.kill('SIGKILL');
    }
  }

  async function withDatabase<T>(work: (db: PGlite) => Promise<T>): Promise<T> {
    const db = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
    try {
      return await work(db);
    } finally {
      await db.close();
    }
  }

  it('boots on an empty DATA_DIR, migrates, keeps accounts and dev secrets across restarts, in under 450 MB', async () => {
    const user = { email: uniqueEmail('keep'), password: DEFAULT_PASSWORD };
    const firstBootMb = await runServiceOnce(async (http) => {
      await registerUser(http, user);
    });
    const jwtSecretFile = join(dataDir, 'jwt-secret');
    const mfaKeyFile = join(dataDir, 'mfa-encryption-key');
    expect(statSync(jwtSecretFile).mode & 0o777).toBe(0o600);
    expect(statSync(mfaKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(mfaKeyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const secretBefore = readFileSync(jwtSecretFile, 'utf8');

    await withDatabase(async (db) => {
      const applied = await db.query<{ name: string }>('SELECT name FROM migrations');
      expect(applied.rows.length).toBeGreaterThan(0);
    });

    const restartMb = await runServiceOnce(async (http) => {
      expect((await http.post('/api/v1/auth/login', user)).status).toBe(200);
    });
    expect(readFileSync(jwtSecretFile, 'utf8')).toBe(secretBefore);

    // PGlite's memory (src/database/embedded-postgres.ts): 300-360 MB once serving, where initdb in the
    // service's own process and a 128MB shared_buffers kept ~860 MB after a first boot, ~400 MB after a restart.
    expect({ firstBootMb, under: firstBootMb < 450 }).toEqual({ firstBootMb, under: true });
    expect({ restartMb, under: restartMb < 450 }).toEqual({ restartMb, under: true });
    // Two boots, the first with initdb: ~15 s on a quiet machine, over a minute on a busy shared one.
  }, 240_000);
});
