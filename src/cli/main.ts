import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { existsSync } from 'node:fs';
import { AppModule } from '../app.module';
import { ConfigValidationError, loadConfig } from '../config/configuration';
import { AuditService } from '../audit/audit.service';
import { MfaService } from '../mfa/mfa.service';
import { SessionCleanupService } from '../session/session-cleanup.service';

const USAGE = `usage: npm run cli -- <command>

commands:
  cleanup          delete sessions and refresh tokens that ended over 7 days ago (as the hourly job does)
  rotate-mfa-key   re-encrypt every TOTP secret under MFA_ENCRYPTION_KEY (old keys in MFA_ENCRYPTION_KEYS_OLD)
  audit-verify     walk the audit hash chain; exit 1 and name the first bad row if it was tampered with`;

const COMMANDS = ['cleanup', 'rotate-mfa-key', 'audit-verify'] as const;
type Command = (typeof COMMANDS)[number];

const isCommand = (value: string | undefined): value is Command =>
  (COMMANDS as readonly string[]).includes(value ?? '');

class CommandFailed extends Error {}

async function run(app: INestApplicationContext, command: Command): Promise<string> {
  switch (command) {
    case 'cleanup': {
      const report = await app.get(SessionCleanupService).run();
      return report.ran
        ? `cleanup: deleted ${report.sessions} session(s) and ${report.refreshTokens} refresh token(s)`
        : 'cleanup: skipped, another replica holds the cleanup lock';
    }
    case 'rotate-mfa-key': {
      const { reencrypted } = await app.get(MfaService).reencryptSecrets();
      return `rotate-mfa-key: re-encrypted ${reencrypted} user(s) under the current key`;
    }
    case 'audit-verify': {
      const report = await app.get(AuditService).verifyChain();
      if (!report.ok) {
        throw new CommandFailed(
          `audit-verify: chain broken at event ${report.firstBadId} (${report.checked} event(s) before it are intact)`,
        );
      }
      return `audit-verify: ok, ${report.checked} event(s) checked`;
    }
  }
}

/** Break-glass operations without SQL, on the same modules and configuration as the service. */
async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (!isCommand(command)) {
    process.stderr.write(`${command ? `unknown command: ${command}\n` : ''}${USAGE}\n`);
    return 2;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), { bufferLogs: true });
  try {
    process.stdout.write(`${await run(app, command)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CommandFailed)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
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
