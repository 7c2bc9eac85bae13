import { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { ReadTimeoutClient } from './read-timeout';

/** How much longer than the server's own statement timeout the driver waits before it gives up itself. */
const CLIENT_TIMEOUT_MARGIN_MS = 500;

/**
 * The one place that turns a connection string into TypeORM options: the app, the CLI and tests share it.
 * With `statementTimeoutMs`, every statement is bounded twice: by PostgreSQL (`statement_timeout`), and
 * by the driver a little later (`query_timeout`), since a frozen server enforces nothing; a connection the
 * driver timed out on is ended (`ReadTimeoutClient`), and getting a connection is bounded too. Without it
 * (migrations, the CLI), statements may run as long as they need.
 */
export function typeOrmOptions(url: string, poolSize: number, statementTimeoutMs?: number): DataSourceOptions {
  const timeouts =
    statementTimeoutMs === undefined
      ? { connectionTimeoutMillis: 10_000 }
      : {
          connectionTimeoutMillis: statementTimeoutMs,
          statement_timeout: statementTimeoutMs,
          query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
          Client: ReadTimeoutClient,
        };
  return {
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, ...timeouts },
  };
}
