import { DataSource } from 'typeorm';
import { Config } from '../config/configuration';
import { embeddedDataDir, EmbeddedPostgres } from './embedded-postgres';
import { typeOrmOptions } from './typeorm-options';

/** Runs `work` on a one-connection DataSource to DATABASE_URL, or to the embedded database in DATA_DIR. */
export async function withMigrationDataSource<T>(
  config: Config,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const embedded = config.database.url
    ? undefined
    : await EmbeddedPostgres.start({ dataDir: embeddedDataDir(config.app.dataDir) });
  const url = config.database.url ?? (embedded as EmbeddedPostgres).url;
  const dataSource = new DataSource(typeOrmOptions(url, 1));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}
