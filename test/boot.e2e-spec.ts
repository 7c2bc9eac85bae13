import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, spawnService } from './support/service-process';

/**
 * `npm start` with no environment: the service runs on its embedded PGlite database in DATA_DIR.
 * The service runs as its own process, as it would for a developer; between runs the test opens
 * the same data directory with PGlite to plant and find a row.
 */
describe('embedded database in DATA_DIR', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'twofold-boot-'));
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function runServiceOnce(): Promise<void> {
    const port = await freePort();
    const service = spawnService({ PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    try {
      const ready = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
        if (res.status !== 200) throw new Error(`ready: ${res.status}`);
        return (await res.json()) as { details: Record<string, { status: string }> };
      });
      expect(ready.details.migrations.status).toBe('up');
      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
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

  it('boots on an empty DATA_DIR, migrates, and keeps rows and dev secrets across restarts', async () => {
    await runServiceOnce();
    const jwtSecretFile = join(dataDir, 'jwt-secret');
    const mfaKeyFile = join(dataDir, 'mfa-encryption-key');
    expect(statSync(jwtSecretFile).mode & 0o777).toBe(0o600);
    expect(statSync(mfaKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(mfaKeyFile, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    const secretBefore = readFileSync(jwtSecretFile, 'utf8');

    await withDatabase(async (db) => {
      const applied = await db.query<{ name: string }>('SELECT name FROM migrations');
      expect(applied.rows.length).toBeGreaterThan(0);
      await db.query(`INSERT INTO users (email, password_hash) VALUES ('keep@example.com', 'x')`);
    });

    await runServiceOnce();

    const rows = await withDatabase((db) => db.query<{ email: string }>('SELECT email FROM users'));
    expect(rows.rows).toEqual([{ email: 'keep@example.com' }]);
    expect(readFileSync(jwtSecretFile, 'utf8')).toBe(secretBefore);
  });
});
