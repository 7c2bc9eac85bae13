import { Module } from '@nestjs/common';
import { DevicesCoreModule } from './devices-core.module';
import { DevicesController } from './devices.controller';

/** `/devices`: the caller's remembered devices. */
@Module({
  imports: [DevicesCoreModule],
  controllers: [DevicesController],
})
export class DevicesModule {}
