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
import { EmailVerificationService } from './email-verification.service';
import { AuthorizationGuard } from './guards/authorization.guard';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { JwtStrategy } from './guards/jwt.strategy';
import { LinkTokens } from './link-tokens.service';
import { MagicLinkService } from './magic-link.service';
import { MfaManagementController } from './mfa-management.controller';
import { OneTimeTokenRepository } from './one-time-token.repository';
import { PasskeyManagementController } from './passkey-management.controller';
import { PasskeySignInController } from './passkey-sign-in.controller';
import { PasskeySignIn } from './passkey-sign-in.service';
import { PasswordlessSignIn } from './passwordless-sign-in.service';
import { PendingSignIn } from './pending-sign-in.service';
import { DevicesCoreModule } from '../devices/devices-core.module';
import { LoginMetrics } from './login-metrics';
import { LoginTokens } from './login-tokens.service';
import { MagicLinkSignIn } from './magic-link-sign-in.service';
import { PasswordChange } from './password-change.service';
import { PasswordReset } from './password-reset.service';
import { PasswordSignIn } from './password-sign-in.service';
import { RefreshService } from './refresh.service';
import { RegistrationService } from './registration.service';
import { SecondFactorSignIn } from './second-factor-sign-in.service';
import { SignInService } from './sign-in.service';
import { TokenDelivery } from './token-delivery';

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
    DevicesCoreModule,
  ],
  controllers: [
    AuthController,
    PasskeySignInController,
    AccountLinksController,
    MfaManagementController,
    PasskeyManagementController,
  ],
  providers: [
    RegistrationService,
    LoginTokens,
    LoginMetrics,
    SignInService,
    PasswordSignIn,
    SecondFactorSignIn,
    PasskeySignIn,
    PasswordlessSignIn,
    PendingSignIn,
    RefreshService,
    TokenDelivery,
    PasswordChange,
    PasswordReset,
    OneTimeTokenRepository,
    LinkTokens,
    MagicLinkService,
    MagicLinkSignIn,
    AdminBootstrap,
    EmailVerificationService,
    JwtStrategy,
    JwtAuthGuard,
    AuthorizationGuard,
  ],
  // AppModule registers both guards as global guards.
  exports: [JwtAuthGuard, AuthorizationGuard, LinkTokens],
})
export class AuthModule {}
