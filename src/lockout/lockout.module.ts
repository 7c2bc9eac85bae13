import { Module } from '@nestjs/common';
import { DevicesCoreModule } from '../devices/devices-core.module';
import { AuditModule } from '../audit/audit.module';
import { MailModule } from '../mail/mail.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { MfaCoreModule } from '../mfa/mfa-core.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { UsersModule } from '../users/users.module';
import { AccountLockout } from './account-lockout.service';
import { ProofService } from './proof.service';

/**
 * The one failure counter per account: wrong passwords and wrong second factors, at sign-in
 * (`AccountLockout`) and in the proof of every sensitive action (`ProofService`), lock the account alike.
 */
@Module({
  imports: [UsersModule, MfaCoreModule, PasswordsModule, AuditModule, MetricsCoreModule, MailModule, DevicesCoreModule],
  providers: [AccountLockout, ProofService],
  exports: [AccountLockout, ProofService],
})
export class LockoutModule {}
