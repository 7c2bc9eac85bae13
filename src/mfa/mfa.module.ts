import { Module } from '@nestjs/common';
import { MfaController } from './mfa.controller';
import { MfaCoreModule } from './mfa-core.module';

@Module({
  imports: [MfaCoreModule],
  controllers: [MfaController],
  exports: [MfaCoreModule],
})
export class MfaModule {}
