import { Client, ClientConfig } from 'pg';

const READ_TIMEOUT = 'Query read timeout';

/**
 * A pg client that ends its connection when the driver gives up on a statement (`query_timeout`: a
 * frozen server never answers). Otherwise the next statement on it, the transaction's ROLLBACK above
 * all, would wait out another timeout on the same dead connection. Ended, it fails at once, and the
 * pool drops it. Given to the pool as its `Client`, so every connection is one, the first included
 * (hooking the pool's 'connect' event missed the one `DataSource.initialize()` opened).
 */
export class ReadTimeoutClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    (this as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args) as { catch?: (handler: (error: Error) => void) => unknown } | undefined;
      // Attached before the caller's own handlers, so the connection is ended before they run.
      result?.catch?.((error) => {
        if (error?.message === READ_TIMEOUT) this.end().catch(() => undefined);
      });
      return result;
    };
  }
}
