import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { AccountMails } from './account-mails';
import { MailTransport } from './mail';
import { MailService } from './mail.service';
import { OutboxTransport } from './outbox.transport';
import { SecurityNotifications } from './security-notifications';
import { SmtpTransport } from './smtp.transport';

@Module({
  imports: [MetricsCoreModule],
  providers: [
    {
      provide: MailTransport,
      inject: [ConfigService, Clock],
      useFactory: (config: ConfigService<Config, true>, clock: Clock): MailTransport => {
        const mail = config.get('mail', { infer: true });
        return mail.smtpUrl
          ? new SmtpTransport(mail.smtpUrl, mail.from)
          : new OutboxTransport(mail.outboxPath, mail.from, () => clock.now());
      },
    },
    MailService,
    SecurityNotifications,
    AccountMails,
  ],
  exports: [MailService, SecurityNotifications, AccountMails],
})
export class MailModule {}
