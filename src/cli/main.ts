import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UserAdminService } from '../users/user-admin.service';
import { DomainException } from '../common/filters/domain.exception';
import { Config, ConfigValidationError, loadConfig } from '../config/configuration';
import { DataDirInUseError } from '../database/data-dir-lock';
import { embeddedDataDir, EmbeddedPostgres } from '../database/embedded-postgres';
import { runPendingMigrations } from '../database/migration-lock';
import { withMigrationDataSource } from '../database/migration-runner';
import { AuditService } from '../audit/audit.service';
import { MfaDisabling } from '../mfa/mfa-disabling.service';
import { SecretRotation } from '../mfa/secret-rotation.service';
import { SessionCleanupService } from '../session/session-cleanup.service';
import { createCliContext } from './cli.module';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  create-admin --email E          create an admin; the password is read from standard input
  unlock --email E                end a lockout
  disable-2fa --email E --reason R
                                  turn off a user's 2FA (lost phone, identity checked); ends their sessions
  audit-verify                    walk the audit hash chain; exit 1 and name the first bad row if it was tampered with
  migrate                         apply pending database migrations
  cleanup                         delete sessions and refresh tokens that ended over 7 days ago (as the hourly job does)
  rotate-mfa-key                  re-encrypt every TOTP secret under MFA_ENCRYPTION_KEY (old keys in MFA_ENCRYPTION_KEYS_OLD)
  -h, --help                      print this text

Every action is audited with the actor "cli". Exit codes: 0 done, 1 failed, 2 usage.`;

const COMMANDS = [
  'create-admin',
  'unlock',
  'disable-2fa',
  'audit-verify',
  'migrate',
  'cleanup',
  'rotate-mfa-key',
] as const;
type Command = (typeof COMMANDS)[number];

const isCommand = (value: string | undefined): value is Command =>
  (COMMANDS as readonly string[]).includes(value ?? '');

const wantsHelp = (argv: string[]): boolean =>
  argv.length === 0 || argv.some((arg) => arg === '--help' || arg === '-h');

/** The actor of every audit row a CLI action writes. */
const CLI_ACTOR = 'cli';

class CommandFailed extends Error {}
class UsageError extends Error {}

interface Options {
  email?: string;
  reason?: string;
}

function required(options: Options, name: keyof Options): string {
  const value = options[name]?.trim();
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString()
    .replace(/\r?\n$/, '');
}

async function userId(app: INestApplicationContext, email: string): Promise<string> {
  const user = await app.get(UserAdminService).findByEmail(email);
  if (!user) throw new CommandFailed(`no account with the email ${email}`);
  return user.id;
}

async function run(app: INestApplicationContext, command: Exclude<Command, 'migrate'>, options: Options) {
  switch (command) {
    case 'create-admin': {
      const email = required(options, 'email');
      const password = await readStdin();
      if (!password) throw new UsageError('pipe the password on standard input');
      const admin = await app.get(UserAdminService).createAdmin(email, password, CLI_ACTOR);
      return `create-admin: created admin ${admin.email} (${admin.id})`;
    }
    case 'unlock': {
      const email = required(options, 'email');
      await app.get(UserAdminService).unlock(await userId(app, email), CLI_ACTOR);
      return `unlock: ${email} can sign in again`;
    }
    case 'disable-2fa': {
      const email = required(options, 'email');
      const reason = required(options, 'reason');
      await app.get(MfaDisabling).disableFor(await userId(app, email), CLI_ACTOR, reason);
      return `disable-2fa: two-factor authentication is off for ${email}; their sessions ended and they were mailed`;
    }
    case 'cleanup': {
      const report = await app.get(SessionCleanupService).run();
      return report.ran
        ? `cleanup: deleted ${report.sessions} session(s) and ${report.refreshTokens} refresh token(s)`
        : 'cleanup: skipped, another replica holds the cleanup lock';
    }
    case 'rotate-mfa-key': {
      const { reencrypted } = await app.get(SecretRotation).reencryptSecrets(CLI_ACTOR);
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

async function migrate(config: Config): Promise<string> {
  const applied = await withMigrationDataSource(config, runPendingMigrations);
  return `migrate: applied ${applied.length} migration(s)${applied.map((migration) => `\n  ${migration.name}`).join('')}`;
}

/**
 * Without DATABASE_URL the CLI opens the embedded database in DATA_DIR itself, unless the service is
 * running on it: then it connects to the service's (a second PGlite on one directory would work on a
 * copy of its own, and its writes would be lost).
 */
function onRunningService(config: Config): Config {
  if (config.database.url) return config;
  const url = EmbeddedPostgres.runningOn(embeddedDataDir(config.app.dataDir));
  return url ? { ...config, database: { ...config.database, url, poolSize: 1 } } : config;
}

/** Break-glass operations without SQL, on the service's configuration and the modules the commands need. */
async function main(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [command, ...rest] = argv;
  let options: Options;
  try {
    if (!isCommand(command)) throw new UsageError(`unknown command: ${command}`);
    options = parseArgs({
      args: rest,
      options: { email: { type: 'string' }, reason: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (existsSync('.env')) process.loadEnvFile('.env');
  try {
    const config = onRunningService(loadConfig({ LOG_LEVEL: 'warn', ...process.env }));
    if (command === 'migrate') {
      process.stdout.write(`${await migrate(config)}\n`);
      return 0;
    }
    const app = await createCliContext(config);
    try {
      process.stdout.write(`${await run(app, command, options)}\n`);
      return 0;
    } finally {
      await app.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof CommandFailed || error instanceof DataDirInUseError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    if (error instanceof DomainException) {
      const reasons = (error.extra.reasons as string[] | undefined)?.map((reason) => `\n  - ${reason}`) ?? [];
      process.stderr.write(`${command}: ${error.message}${reasons.join('')}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2))
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    const message = error instanceof ConfigValidationError ? error.message : String((error as Error)?.stack ?? error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
