import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';

const READ_TIMEOUT = 'Query read timeout';

/**
 * When the driver gives up on a statement (a frozen server never answers), the connection is ended:
 * otherwise the next statement on it, the transaction's ROLLBACK above all, would wait out another
 * timeout on the same dead connection. Ended, it fails at once, and the pool drops it.
 */
function endOnReadTimeout(client: PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args) as { catch?: (handler: (error: Error) => void) => unknown } | undefined;
    // Attached before the caller's own handlers, so the connection is ended before they run.
    result?.catch?.((error) => {
      if (error?.message === READ_TIMEOUT) client.end().catch(() => undefined);
    });
    return result;
  };
}

/** Applies `endOnReadTimeout` to every connection the data source's pool opens. */
export function endConnectionsOnReadTimeout(dataSource: DataSource): void {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  pool.on('connect', endOnReadTimeout);
}
