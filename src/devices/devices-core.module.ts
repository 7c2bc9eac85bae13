import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagModule } from '../feature-flags/feature-flag.module';
import { MailModule } from '../mail/mail.module';
import { MetricsCoreModule } from '../metrics/metrics-core.module';
import { TrustedDeviceRepository } from './trusted-device.repository';
import { TrustedDevices } from './trusted-devices.service';

/**
 * Remembered devices without their routes: a part of sign-in kept below the modules that end them (2FA
 * off, password change and reset, the admin reset) and the lockout that counts per device.
 */
@Module({
  imports: [AuditModule, FeatureFlagModule, MailModule, MetricsCoreModule],
  providers: [TrustedDeviceRepository, TrustedDevices],
  exports: [TrustedDevices],
})
export class DevicesCoreModule {}
