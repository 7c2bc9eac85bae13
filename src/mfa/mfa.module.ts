import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_FILTER } from '@nestjs/core';
import { Config } from '../config/configuration';
import { AuditModule } from '../audit/audit.module';
import { SessionModule } from '../session/session.module';
import { MfaController } from './mfa.controller';
import { MfaExceptionFilter } from './mfa.exception';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';
import { SecretCipher } from './secret-cipher';

@Module({
  imports: [SessionModule, AuditModule, MailModule, MetricsModule],
  controllers: [MfaController],
  providers: [
    MfaService,
    MfaRepository,
    {
      provide: SecretCipher,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Config, true>) => {
        const mfa = config.get('mfa', { infer: true });
        return new SecretCipher(mfa.encryptionKey, mfa.oldEncryptionKeys);
      },
    },
    { provide: APP_FILTER, useClass: MfaExceptionFilter },
  ],
  exports: [MfaService],
})
export class MfaModule {}
