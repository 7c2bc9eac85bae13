import { Client } from 'pg';
import { migrations } from '../migrations';
import { runCli } from './support/cli-process';
import { emptyDatabase, EmptyDatabase } from './support/empty-database';
import { describeOnPostgres } from './support/postgres-only';
import { eventually, freePort, spawnService } from './support/service-process';

// Two processes on one empty database: PostgreSQL only (a PGlite data directory opens in one process).
describeOnPostgres('migrations when replicas boot at once', () => {
  let empty: EmptyDatabase;

  beforeAll(async () => {
    empty = await emptyDatabase('twofold_migration_lock');
  });

  afterAll(async () => {
    await empty.drop();
  });

  it('two services and the CLI migrating one empty database all succeed, each migration applied once', async () => {
    const env = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      ...empty.env,
      JWT_SECRET: 'x'.repeat(40),
      MFA_ENCRYPTION_KEY: 'cd'.repeat(32),
      LOG_LEVEL: 'info',
    };
    const ports = [await freePort(), await freePort()];
    const services = ports.map((port) => spawnService({ ...env, PORT: String(port) }));
    try {
      const cli = runCli(['migrate'], empty.env);
      await Promise.all(
        ports.map((port) =>
          eventually(async () => {
            const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
            if (res.status !== 200) throw new Error(`ready: ${res.status}`);
          }),
        ),
      );
      const migrated = await cli;
      expect(migrated.code).toBe(0);
      expect(migrated.output).toMatch(/migrate: applied \d+ migration\(s\)/);
      for (const output of [...services.map((service) => service.output()), migrated.output]) {
        expect(output).not.toMatch(/already exists|Unable to connect to the database|deadlock/);
      }
      const client = new Client({ connectionString: empty.env.DATABASE_URL });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string }>(`SELECT name FROM migrations ORDER BY id`);
        expect(rows.map((row) => row.name)).toEqual(migrations.map((migration) => migration.name));
      } finally {
        await client.end();
      }
    } finally {
      for (const service of services) {
        service.child.kill('SIGTERM');
        await service.exited;
      }
    }
  });
});
