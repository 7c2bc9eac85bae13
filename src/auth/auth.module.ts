import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { AccountLinksController } from './account-links.controller';
import { EmailVerificationService } from './email-verification.service';
import { LinkTokens } from './link-tokens.service';
import { OneTimeTokenRepository } from './one-time-token.repository';
import { FeatureFlagModule } from '../feature-flags/feature-flag.module';
import { MagicLinkService } from './magic-link.service';
import { AdminBootstrap } from './admin-bootstrap.service';
import { AccountDataController } from './account-data.controller';
import { AccountDataService } from './account-data.service';
import { MfaManagementController } from './mfa-management.controller';
import { ProofService } from './proof.service';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SessionModule } from '../session/session.module';
import { AccessTokenGuard } from './access-token.guard';
import { AccountLockout } from './account-lockout.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuditModule } from '../audit/audit.module';
import { MfaModule } from '../mfa/mfa.module';
import { JwksModule } from './jwks.module';
import { MfaChallengeRepository } from './mfa-challenge.repository';
import { PasswordHashingModule } from './password-hashing.module';
import { PasswordHistoryRepository } from './password-history.repository';
import { PasswordService } from './password.service';
import { RefreshTokenEntity } from './refresh-token.entity';
import { RefreshTokenRepository } from './refresh-token.repository';
import { TokenService } from './token.service';
import { UserEntity } from './user.entity';
import { UsersModule } from './users.module';

@Module({
  imports: [
    JwtModule.register({}),
    TypeOrmModule.forFeature([UserEntity, RefreshTokenEntity]),
    SessionModule,
    AuditModule,
    MailModule,
    FeatureFlagModule,
    MetricsModule,
    PasswordHashingModule,
    UsersModule,
    MfaModule,
    JwksModule,
  ],
  controllers: [AuthController, AccountLinksController, AccountDataController, MfaManagementController],
  providers: [
    AuthService,
    AccountLockout,
    ProofService,
    PasswordService,
    PasswordHistoryRepository,
    TokenService,
    RefreshTokenRepository,
    MfaChallengeRepository,
    OneTimeTokenRepository,
    LinkTokens,
    MagicLinkService,
    AdminBootstrap,
    AccountDataService,
    EmailVerificationService,
    AccessTokenGuard,
  ],
  // AppModule registers AccessTokenGuard as a global guard.
  exports: [AuthService, UsersModule, AccessTokenGuard],
})
export class AuthModule {}
