import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/configuration';
import { ManagementListener } from '../../src/health/management-listener';
import { HttpClient } from './http-client';
import { cloneTemplate, TestDatabase } from './template-database';
import { TestClock } from './test-clock';

export const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: 'test-jwt-secret-0123456789abcdefghijklmnopqrstuv',
  MFA_ENCRYPTION_KEY: '0f'.repeat(32),
  BCRYPT_COST: '4',
  // Rate limits have their own spec; elsewhere many requests come from 127.0.0.1 at once.
  RATE_LIMIT_ENABLED: 'false',
  PUBLIC_URL: 'https://auth.example.test',
};

export interface TestAppOptions {
  env?: Record<string, string | undefined>;
  clock?: TestClock;
  /** Reuse a database (two app instances on one database); a fresh clone otherwise. */
  database?: TestDatabase;
  logDestination?: Writable;
}

export interface TestApp {
  app: NestFastifyApplication;
  http: HttpClient;
  clock: TestClock;
  database: TestDatabase;
  dataSource: DataSource;
  baseUrl: string;
  /** Where the probes and metrics are served when the env sets MANAGEMENT_PORT (0: any free port). */
  management?: HttpClient;
  /** The instance's DATA_DIR (development outbox, secrets). */
  dataDir: string;
  close(): Promise<void>;
}

/** Boots the real application over HTTP on a random loopback port against a clone of the migrated template. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await cloneTemplate());
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-data-'));
  const clock = options.clock ?? new TestClock();
  const config = loadConfig({
    ...TEST_ENV,
    DATA_DIR: dataDir,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: String(database.poolSize),
    ...options.env,
  });
  const app = await createApp(config, { clock, logDestination: options.logDestination });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const management = await app.get(ManagementListener).listen();
  return {
    app,
    clock,
    database,
    baseUrl,
    dataDir,
    http: new HttpClient(baseUrl),
    management: management && new HttpClient(`http://127.0.0.1:${management.port}`),
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      if (!options.database) await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
