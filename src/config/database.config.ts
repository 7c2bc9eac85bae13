import { EnvReader } from './env-reader';

export interface DatabaseConfig {
  /** PostgreSQL connection string; unset means the embedded PGlite database in DATA_DIR. */
  url: string | undefined;
  migrationsRun: boolean;
  poolSize: number;
  healthTimeoutMs: number;
  /** The longest one statement of a request may take, on the server and in the driver (then 503). */
  statementTimeoutMs: number;
}

export function readDatabaseConfig(env: EnvReader): DatabaseConfig {
  return {
    url: env.url('DATABASE_URL', undefined, ['postgres:', 'postgresql:']),
    migrationsRun: env.bool('MIGRATIONS_RUN', true),
    poolSize: env.int('DATABASE_POOL_SIZE', 10, 1, 200),
    healthTimeoutMs: env.int('DATABASE_HEALTH_TIMEOUT_MS', 1500, 100, 30_000),
    statementTimeoutMs: env.int('DATABASE_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
  };
}
