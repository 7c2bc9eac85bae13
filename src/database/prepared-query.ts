import { randomBytes } from 'node:crypto';
import type { PoolClient, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError } from 'typeorm';

/**
 * Statement names are unique per connection, not just per statement: the embedded database (PGlite)
 * serves every connection, of every process, from one backend, where a second connection preparing
 * the same name would fail with "prepared statement already exists".
 */
const PROCESS_PREFIX = randomBytes(4).toString('hex');
const connectionIds = new WeakMap<PoolClient, number>();
let connections = 0;

function statementName(client: PoolClient, name: string): string {
  let id = connectionIds.get(client);
  if (id === undefined) {
    id = ++connections;
    connectionIds.set(client, id);
  }
  return `${name}-${PROCESS_PREFIX}-${id}`;
}

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
    return (await client.query<T>({ name: statementName(client, name), text, values })).rows;
  } catch (error) {
    // As TypeORM's own queries fail, so that callers and the error filter see one kind of error.
    throw new QueryFailedError(text, values, error as Error);
  } finally {
    if (!manager.queryRunner) await runner.release();
  }
}
