import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/configuration';
import { revertLastMigration, runPendingMigrations } from './migration-lock';
import { withMigrationDataSource } from './migration-runner';

/** `npm run migration:run|revert|show`: on DATABASE_URL, or on the embedded database in DATA_DIR. */
async function main(command: string | undefined): Promise<void> {
  if (command !== 'run' && command !== 'revert' && command !== 'show') {
    throw new Error('usage: migrate run|revert|show');
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  await withMigrationDataSource(loadConfig(process.env), async (dataSource) => {
    if (command === 'run') {
      const applied = await runPendingMigrations(dataSource);
      process.stdout.write(`Applied ${applied.length} migration(s)${applied.map((m) => `\n  ${m.name}`).join('')}\n`);
    } else if (command === 'revert') {
      await revertLastMigration(dataSource);
      process.stdout.write('Reverted the last migration\n');
    } else {
      const pending = await dataSource.showMigrations();
      process.stdout.write(pending ? 'Migrations are pending\n' : 'All migrations are applied\n');
    }
  });
}

main(process.argv[2]).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
