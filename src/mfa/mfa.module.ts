import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { MfaController } from './mfa.controller';
import { MfaCoreModule } from './mfa-core.module';
import { MfaExceptionFilter } from './mfa.exception';

@Module({
  imports: [MfaCoreModule],
  controllers: [MfaController],
  providers: [{ provide: APP_FILTER, useClass: MfaExceptionFilter }],
  exports: [MfaCoreModule],
})
export class MfaModule {}
