import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverUrl, withAdminClient } from './template-database';

export interface EmptyDatabase {
  /** What points the service or the CLI at it: DATABASE_URL on PostgreSQL, DATA_DIR on PGlite. */
  env: Record<string, string>;
  drop(): Promise<void>;
}

let counter = 0;

/**
 * A database with nothing in it, not even the migrations: a new database on the PostgreSQL test server
 * (TEST_DATABASE_URL), otherwise a new DATA_DIR for the embedded database.
 */
export async function emptyDatabase(prefix: string): Promise<EmptyDatabase> {
  if (process.env.TEST_DATABASE_URL) {
    const name = `${prefix}_${process.pid}_${Date.now()}_${counter++}`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
    return {
      env: { DATABASE_URL: serverUrl(name) },
      drop: async () => {
        await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      },
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return {
    env: { DATA_DIR: dataDir },
    drop: () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })),
  };
}
