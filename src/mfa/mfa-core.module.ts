import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AuditModule } from '../audit/audit.module';
import { Config } from '../config/configuration';
import { FeatureFlagModule } from '../feature-flags/feature-flag.module';
import { UsersModule } from '../users/users.module';
import { MailModule } from '../mail/mail.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { SessionCoreModule } from '../session/session-core.module';
import { MfaEnrollmentPolicy } from './enrollment-policy';
import { MfaChallengeRepository } from './mfa-challenge.repository';
import { MfaRepository } from './mfa.repository';
import { MfaService } from './mfa.service';
import { MfaDisabling } from './mfa-disabling.service';
import { DevicesCoreModule } from '../devices/devices-core.module';
import { SecretCipher } from './secret-cipher';
import { TotpSetup } from './totp-setup.service';
import { PasskeyAssertions } from './passkey-assertions.service';
import { PasskeyRegistration } from './passkey-registration.service';
import { PasskeyRepository } from './passkey.repository';
import { PasskeyService } from './passkey.service';
import { RelyingParty } from './relying-party';
import { SecretRotation } from './secret-rotation.service';

/** The 2FA services (TOTP, backup codes, passkeys) without their routes: what other modules (and the CLI) call. */
@Module({
  imports: [
    SessionCoreModule,
    UsersModule,
    FeatureFlagModule,
    AuditModule,
    MailModule,
    MetricsCoreModule,
    DevicesCoreModule,
  ],
  providers: [
    MfaService,
    MfaDisabling,
    MfaRepository,
    TotpSetup,
    MfaChallengeRepository,
    MfaEnrollmentPolicy,
    SecretRotation,
    PasskeyRepository,
    RelyingParty,
    PasskeyRegistration,
    PasskeyService,
    PasskeyAssertions,
    {
      provide: SecretCipher,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Config, true>) => {
        const mfa = config.get('mfa', { infer: true });
        return new SecretCipher(mfa.encryptionKey, mfa.oldEncryptionKeys);
      },
    },
  ],
  exports: [
    MfaService,
    MfaDisabling,
    TotpSetup,
    MfaChallengeRepository,
    MfaEnrollmentPolicy,
    SecretRotation,
    PasskeyRegistration,
    PasskeyService,
    PasskeyAssertions,
  ],
})
export class MfaCoreModule {}
