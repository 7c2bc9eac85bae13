/**
 * Fault tests start servers of their own (throwaway-postgres.ts, throwaway-redis.ts), so they need neither
 * database pass: CI runs them once, in its PostgreSQL pass (TEST_DATABASE_URL set); FAULT_TESTS=1 runs
 * them anywhere. Elsewhere they show as skipped, not silently absent.
 */
export const FAULT_TESTS_ENABLED = Boolean(process.env.TEST_DATABASE_URL) || process.env.FAULT_TESTS === '1';

const skipped: jest.Describe = describe.skip;

/** `describe` when fault tests run in this pass, a visibly skipped `describe` otherwise. */
export const describeFaults: jest.Describe = FAULT_TESTS_ENABLED ? describe : skipped;
