import { Module } from '@nestjs/common';
import { MfaController } from './mfa.controller';
import { SessionCoreModule } from '../session/session-core.module';
import { MfaCoreModule } from './mfa-core.module';
import { WebauthnController } from './webauthn.controller';

@Module({
  // SessionCoreModule: the routes' RecentSignInGuard is built in this module.
  imports: [MfaCoreModule, SessionCoreModule],
  controllers: [MfaController, WebauthnController],
  exports: [MfaCoreModule],
})
export class MfaModule {}
