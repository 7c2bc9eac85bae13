/** Seconds a client is told to wait before it retries a request a failing dependency refused. */
export const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/** Socket-level failures: the database is unreachable, went away or did not answer in time. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOENT',
]);

/**
 * PostgreSQL's own outage codes: statement timeout (57014), shutdown and restart (57P01-57P03), too many
 * connections (53300); class 08 is connection exceptions.
 */
const POSTGRES_CODES = new Set(['57014', '57P01', '57P02', '57P03', '53300']);

/** What node-postgres and its pool say, without a code, when a connection fails or a query times out. */
const DRIVER_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end)/;

export interface DependencyFailure {
  dependency: 'database';
  /** A short, stable reason for the log: an error code or the driver's fixed message. */
  reason: string;
}

/**
 * Recognises an error that means PostgreSQL is unavailable (rather than a bug or bad data), looking
 * through TypeORM's QueryFailedError (`driverError`) and `cause` chains.
 */
export function dependencyFailureOf(error: unknown): DependencyFailure | undefined {
  // Duck-typed, not `instanceof Error`: socket errors come from Node's own realm.
  let current = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code, message } = current;
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || /^08/.test(code))) {
      return { dependency: 'database', reason: code };
    }
    const match = typeof message === 'string' ? DRIVER_MESSAGES.exec(message) : null;
    if (match) return { dependency: 'database', reason: match[1] };
    // TypeORM releases a transaction's query runner when its connection fails under it.
    if ((current as { name?: unknown }).name === 'QueryRunnerProviderAlreadyReleasedError') {
      return { dependency: 'database', reason: 'connection lost mid-transaction' };
    }
    current = (current.driverError ?? current.cause) as typeof current;
  }
  return undefined;
}
