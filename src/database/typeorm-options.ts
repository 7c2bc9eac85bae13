import { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';

/** The one place that turns a connection string into TypeORM options: the app, the CLI and tests share it. */
export function typeOrmOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000 },
  };
}
