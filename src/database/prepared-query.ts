import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { EntityManager, QueryFailedError } from 'typeorm';

/**
 * Statement names are unique per connection, not just per statement: the embedded database (PGlite)
 * serves every connection, of every process, from one backend, where a second connection preparing
 * the same name would fail with "prepared statement already exists".
 */
const PROCESS_PREFIX = randomBytes(4).toString('hex');
const connectionIds = new WeakMap<PoolClient, number>();
let connections = 0;

/**
 * A connection that breaks while it is checked out emits 'error', which ends the process when nothing
 * listens. TypeORM's query runners listen while they hold one; the connections `preparedQuery` takes
 * from the pool itself listen for the rest of their lives. The statement that was running fails on its
 * own, and the pool drops the connection when it comes back (it is no longer queryable).
 */
const listening = new WeakSet<PoolClient>();
const ignoreError = () => undefined;

function survivesBreaking(client: PoolClient): PoolClient {
  if (!listening.has(client)) {
    client.on('error', ignoreError);
    listening.add(client);
  }
  return client;
}

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
 * adds one). Outside a transaction the connection comes straight from the pool, without a TypeORM query
 * runner (an object with its own error listener per call, a tenth of the CPU of a session check).
 */
export async function preparedQuery<T extends QueryResultRow>(
  manager: EntityManager,
  name: string,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const client = manager.queryRunner
    ? ((await manager.queryRunner.connect()) as PoolClient)
    : survivesBreaking(await (manager.connection.driver as unknown as { master: Pool }).master.connect());
  try {
    return (await client.query<T>({ name: statementName(client, name), text, values })).rows;
  } catch (error) {
    // As TypeORM's own queries fail, so that callers and the error filter see one kind of error.
    throw new QueryFailedError(text, values, error as Error);
  } finally {
    if (!manager.queryRunner) client.release();
  }
}
