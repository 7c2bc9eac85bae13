import { TestApp } from '../support/test-app';

/**
 * Runs `work` while the users table is missing, so a request that reads a user fails with an error no
 * code path expects (an unhandled database error, a 500). Puts the table back afterwards.
 */
export async function whileUsersTableIsMissing<T>(t: TestApp, work: () => Promise<T>): Promise<T> {
  await t.dataSource.query('ALTER TABLE users RENAME TO users_hidden');
  try {
    return await work();
  } finally {
    await t.dataSource.query('ALTER TABLE users_hidden RENAME TO users');
  }
}
