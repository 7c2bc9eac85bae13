import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { typeOrmOptions } from '../src/database/typeorm-options';
import { TcpProxy } from './support/tcp-proxy';
import { cloneTemplate, TestDatabase } from './support/template-database';

const STATEMENT_TIMEOUT_MS = 300;

describe('a connection the driver gave up on', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await cloneTemplate();
    proxy = TcpProxy.forDatabaseUrl(database.url);
    await proxy.start();
    dataSource = await new DataSource(
      typeOrmOptions(proxy.rewrite(database.url), 1, STATEMENT_TIMEOUT_MS),
    ).initialize();
  });

  afterAll(async () => {
    proxy.thaw();
    await dataSource.destroy();
    await proxy.stop();
    await database.drop();
  });

  it('is ended, the one DataSource.initialize() opened too, and the pool connects anew', async () => {
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    // The pool of one holds the connection the data source opened while initializing.
    expect(pool.totalCount).toBe(1);

    proxy.freeze();
    await expect(dataSource.query('SELECT 1')).rejects.toThrow('Query read timeout');
    // Still in the pool, the next statement (a transaction's ROLLBACK) would wait out another timeout.
    expect(pool.totalCount).toBe(0);

    proxy.thaw();
    expect(await dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
