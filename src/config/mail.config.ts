import { join } from 'node:path';
import { AppConfig } from './app.config';
import { EnvReader } from './env-reader';

export interface MailConfig {
  /** SMTP server; unset: the development outbox. */
  smtpUrl: string | undefined;
  from: string;
  /** Where the development outbox appends a JSON line per mail. */
  outboxPath: string;
  /** Delivery attempts per mail before it is given up (and logged as lost). */
  retryAttempts: number;
  /** Wait before the first retry; it doubles on each further retry. */
  retryBackoffMs: number;
}

const ADDRESS = /^(?:[^<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/;

export function readMailConfig(env: EnvReader, app: AppConfig): MailConfig {
  const smtpUrl = env.url('SMTP_URL', undefined, ['smtp:', 'smtps:']);
  if (app.nodeEnv === 'production' && smtpUrl === undefined && env.raw('SMTP_URL') === undefined) {
    env.fail('SMTP_URL', 'is required in production (without it mail only reaches the development outbox)');
  }
  const from = env.string('MAIL_FROM', 'Twofold <no-reply@localhost>');
  if (!ADDRESS.test(from)) env.fail('MAIL_FROM', `must be an address like "Twofold <no-reply@example.com>"`);
  return {
    smtpUrl,
    from,
    outboxPath: join(app.dataDir, 'outbox.jsonl'),
    retryAttempts: env.int('MAIL_RETRY_ATTEMPTS', 5, 1, 20),
    retryBackoffMs: env.int('MAIL_RETRY_BACKOFF_MS', 2000, 10, 600_000),
  };
}
