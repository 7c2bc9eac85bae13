import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { FeatureFlagModule } from '../feature-flags/feature-flag.module';
import { LockoutModule } from '../lockout/lockout.module';
import { MailModule } from '../mail/mail.module';
import { MetricsModule } from '../metrics/metrics.module';
import { MfaModule } from '../mfa/mfa.module';
import { PasswordsModule } from '../passwords/passwords.module';
import { SessionModule } from '../session/session.module';
import { TokensModule } from '../tokens/tokens.module';
import { AdminBootstrap } from '../users/admin-bootstrap.service';
import { UsersModule } from '../users/users.module';
import { AccountLinksController } from './account-links.controller';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { EmailVerificationService } from './email-verification.service';
import { AuthorizationGuard } from './guards/authorization.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { JwtStrategy } from './guards/jwt.strategy';
import { LinkTokens } from './link-tokens.service';
import { MagicLinkService } from './magic-link.service';
import { MfaManagementController } from './mfa-management.controller';
import { OneTimeTokenRepository } from './one-time-token.repository';
import { PasswordService } from './password.service';

@Module({
  imports: [
    SessionModule,
    AuditModule,
    MailModule,
    FeatureFlagModule,
    MetricsModule,
    PasswordsModule,
    UsersModule,
    LockoutModule,
    MfaModule,
    TokensModule,
  ],
  controllers: [AuthController, AccountLinksController, MfaManagementController],
  providers: [
    AuthService,
    PasswordService,
    OneTimeTokenRepository,
    LinkTokens,
    MagicLinkService,
    AdminBootstrap,
    EmailVerificationService,
    JwtStrategy,
    JwtAuthGuard,
    AuthorizationGuard,
  ],
  // AppModule registers both guards as global guards.
  exports: [JwtAuthGuard, AuthorizationGuard],
})
export class AuthModule {}
