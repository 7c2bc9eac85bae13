import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from '../app.module';
import { ConfigValidationError, loadConfig } from '../config/configuration';
import { SessionCleanupService } from '../session/session-cleanup.service';

const USAGE = `usage: npm run cli -- <command>

commands:
  cleanup   delete sessions and refresh tokens that ended over 7 days ago (as the hourly job does)`;

/** Break-glass operations without SQL, on the same modules and configuration as the service. */
async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'cleanup') {
    process.stderr.write(`${command ? `unknown command: ${command}\n` : ''}${USAGE}\n`);
    return 2;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), { bufferLogs: true });
  try {
    const report = await app.get(SessionCleanupService).run();
    process.stdout.write(
      report.ran
        ? `cleanup: deleted ${report.sessions} session(s) and ${report.refreshTokens} refresh token(s)\n`
        : 'cleanup: skipped, another replica holds the cleanup lock\n',
    );
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    const message = error instanceof ConfigValidationError ? error.message : String((error as Error)?.stack ?? error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
