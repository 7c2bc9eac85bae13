const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const skipped: jest.Describe = describe.skip;
const skippedTest: jest.It = it.skip;

/**
 * `describe` on PostgreSQL (TEST_DATABASE_URL set), skipped and reported as such on PGlite: for tests
 * that need what only a PostgreSQL server has (several sessions, other processes on one database).
 */
export const describeOnPostgres: jest.Describe = onPostgres ? describe : skipped;

/** `it` on PostgreSQL, skipped and reported as such on PGlite: `describeOnPostgres` for a single test. */
export const itOnPostgres: jest.It = onPostgres ? it : skippedTest;

/**
 * Fault tests start servers of their own (throwaway-postgres.ts, throwaway-redis.ts), so they need neither
 * database pass: CI runs them once, in its PostgreSQL pass; FAULT_TESTS=1 runs them anywhere. Elsewhere
 * they show as skipped, not silently absent.
 */
export const describeFaults: jest.Describe = onPostgres || process.env.FAULT_TESTS === '1' ? describe : skipped;
