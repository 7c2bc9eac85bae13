import { Logger } from '@nestjs/common';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Mail, MailTransport } from './mail';

/**
 * Development delivery when no SMTP_URL is set: a JSON line per mail appended to DATA_DIR/outbox.jsonl
 * (links included, so flows can be followed by hand) and a log line naming only the mail's kind and
 * recipient, never its body.
 */
export class OutboxTransport extends MailTransport {
  private readonly logger = new Logger('Mail');

  constructor(
    private readonly path: string,
    private readonly from: string,
    private readonly now: () => Date,
  ) {
    super();
  }

  async deliver(mail: Mail): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const line = { at: this.now().toISOString(), from: this.from, ...mail };
    await appendFile(this.path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.logger.log(
      { template: mail.template, to: mail.to, subject: mail.subject, outbox: this.path },
      'Mail written to the development outbox',
    );
  }

  close(): void {}
}
