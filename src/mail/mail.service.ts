import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { setTimeout as wait } from 'node:timers/promises';
import { Config } from '../config/configuration';
import { AuthMetrics } from '../metrics/auth-metrics';
import { Mail, MailTransport } from './mail';

/**
 * Sends mail in the background: `send` returns at once, so a slow or failing mail server never fails
 * or slows the request that caused the mail. A failed delivery is retried with exponential backoff,
 * logged and counted; on shutdown, waiting retries are tried once more at once.
 */
@Injectable()
export class MailService implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly transport: MailTransport,
    private readonly metrics: AuthMetrics,
    config: ConfigService<Config, true>,
  ) {
    const mail = config.get('mail', { infer: true });
    this.attempts = mail.retryAttempts;
    this.backoffMs = mail.retryBackoffMs;
  }

  send(mail: Mail): void {
    const delivery = this.deliver(mail).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    this.transport.close();
  }

  private async deliver(mail: Mail): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.transport.deliver(mail);
        this.metrics.mails.inc({ result: 'sent' });
        return;
      } catch (error) {
        const final = attempt >= this.attempts || this.stopping.signal.aborted;
        this.metrics.mails.inc({ result: final ? 'failed' : 'retried' });
        // The server's message can quote the recipient: log only its codes.
        const { code, responseCode } = error as { code?: string; responseCode?: number };
        const context = { template: mail.template, attempt, code, responseCode };
        if (final) {
          this.logger.error(context, 'Mail could not be delivered; giving up');
          return;
        }
        this.logger.warn(context, 'Mail delivery failed; will retry');
        await wait(this.backoffMs * 2 ** (attempt - 1), undefined, { signal: this.stopping.signal }).catch(
          () => undefined,
        );
      }
    }
  }
}
