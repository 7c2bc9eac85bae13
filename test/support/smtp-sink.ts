import { ParsedMail, simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface SmtpSinkOptions {
  /** Answer this many deliveries with a temporary error before accepting. */
  failFirst?: number;
  /** Hold every delivery until `release()` is called. */
  hold?: boolean;
}

/** A real SMTP server (the `smtp-server` package) on a loopback port that keeps and parses what it gets. */
export class SmtpSink {
  readonly mails: ReceivedMail[] = [];
  attempts = 0;
  private readonly server: SMTPServer;
  private held: (() => void)[] = [];
  private holding: boolean;

  private constructor(private readonly options: SmtpSinkOptions) {
    this.holding = options.hold ?? false;
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.attempts++;
          if (this.attempts <= (this.options.failFirst ?? 0)) {
            const error = Object.assign(new Error('Try again later'), { responseCode: 451 });
            callback(error);
            return;
          }
          const accept = () => {
            const raw = Buffer.concat(chunks).toString();
            void simpleParser(raw).then((parsed: ParsedMail) => {
              this.mails.push({
                to: Array.isArray(parsed.to) ? parsed.to.map((to) => to.text).join(', ') : (parsed.to?.text ?? ''),
                subject: parsed.subject ?? '',
                text: parsed.text ?? '',
                html: typeof parsed.html === 'string' ? parsed.html : '',
                raw,
              });
              callback();
            });
          };
          if (this.holding) this.held.push(accept);
          else accept();
        });
      },
    });
  }

  static async start(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const sink = new SmtpSink(options);
    await new Promise<void>((resolve) => sink.server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    const { port } = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${port}`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Lets held deliveries (and every later one) through. */
  release(): void {
    this.holding = false;
    for (const accept of this.held.splice(0)) accept();
  }

  /** Waits until a mail matching `predicate` arrived (polling; gives up after `timeoutMs`). */
  async waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mails.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(`no such mail; received: ${this.mails.map((mail) => mail.subject).join(' | ') || 'none'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    this.release();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
