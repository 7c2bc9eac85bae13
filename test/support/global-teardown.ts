import { rmSync } from 'node:fs';
import { TEMPLATE_DB_ENV, TEMPLATE_FILE_ENV, withAdminClient } from './template-database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env[TEMPLATE_DB_ENV];
  if (process.env.TEST_DATABASE_URL && template) {
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`));
  }
  const file = process.env[TEMPLATE_FILE_ENV];
  if (file) rmSync(file, { force: true });
}
