/**
 * `describe` on PostgreSQL (TEST_DATABASE_URL set), skipped and reported as such on PGlite: for tests
 * that need what only a PostgreSQL server has (several sessions, other processes on one database).
 */
export const describeOnPostgres: jest.Describe = process.env.TEST_DATABASE_URL ? describe : describe.skip;
