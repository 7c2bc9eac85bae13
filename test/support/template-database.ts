import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { typeOrmOptions } from '../../src/database/typeorm-options';

/** Environment variables through which global setup hands the migrated template to each test file. */
export const TEMPLATE_FILE_ENV = 'TWOFOLD_TEST_PGLITE_TEMPLATE';
export const TEMPLATE_DB_ENV = 'TWOFOLD_TEST_PG_TEMPLATE';

export async function migrate(url: string, poolSize: number): Promise<void> {
  const dataSource = new DataSource(typeOrmOptions(url, poolSize));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

export function serverUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a clone of the migrated template. */
export interface TestDatabase {
  url: string;
  poolSize: number;
  drop(): Promise<void>;
}

let counter = 0;

export async function cloneTemplate(): Promise<TestDatabase> {
  if (process.env.TEST_DATABASE_URL) {
    const name = `twofold_test_${process.pid}_${Date.now()}_${counter++}`;
    const template = process.env[TEMPLATE_DB_ENV] as string;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
    return {
      url: serverUrl(name),
      poolSize: 5,
      drop: async () => {
        await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
      },
    };
  }
  const blob = new Blob([readFileSync(process.env[TEMPLATE_FILE_ENV] as string)]);
  const embedded = await EmbeddedPostgres.start({ loadDataDir: blob });
  return { url: embedded.url, poolSize: 1, drop: () => embedded.stop() };
}
