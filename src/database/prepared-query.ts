import type { PoolClient, QueryResultRow } from 'pg';
import { EntityManager } from 'typeorm';

/**
 * Runs `text` as a named prepared statement (on the manager's transaction connection, or on a pooled
 * one): PostgreSQL parses it once per connection and after a few runs keeps its plan, instead of
 * planning it again on every call as TypeORM's `query()` makes it do. For the statements every request
 * runs; name each statement once, and list its columns (a cached `SELECT *` breaks when a migration
 * adds one).
 */
export async function preparedQuery<T extends QueryResultRow>(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  const client = (await runner.connect()) as PoolClient;
  try {
    return (await client.query<T>({ name, text, values })).rows;
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
