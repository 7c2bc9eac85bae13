import { Logger } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import { Mail, MailTransport } from './mail';

/** Real delivery through nodemailer to SMTP_URL. */
export class SmtpTransport extends MailTransport {
  private readonly logger = new Logger('Mail');
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transporter = createTransport({
      url: smtpUrl,
      // A stalled server must not hold a delivery (and a shutdown) for nodemailer's minutes-long defaults.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async deliver(mail: Mail): Promise<void> {
    const info = (await this.transporter.sendMail({
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    })) as { messageId?: string };
    this.logger.log({ template: mail.template, messageId: info.messageId }, 'Mail sent');
  }

  close(): void {
    this.transporter.close();
  }
}
