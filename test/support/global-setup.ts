import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrate, serverUrl, TEMPLATE_DB_ENV, TEMPLATE_FILE_ENV, withAdminClient } from './template-database';

/** Runs the migrations once into a template; every test file then starts from a clone of it. */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    const name = `twofold_template_${process.pid}_${Date.now()}`;
    await withAdminClient((client) => client.query(`CREATE DATABASE "${name}"`));
    await migrate(serverUrl(name), 2);
    process.env[TEMPLATE_DB_ENV] = name;
    return;
  }
  const embedded = await EmbeddedPostgres.start({});
  try {
    await migrate(embedded.url, 1);
    const file = join(tmpdir(), `twofold-template-${process.pid}.tar`);
    writeFileSync(file, Buffer.from(await (await embedded.dump()).arrayBuffer()));
    process.env[TEMPLATE_FILE_ENV] = file;
  } finally {
    await embedded.stop();
  }
}
