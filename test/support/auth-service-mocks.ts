import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import { AuditService } from '../../src/audit/audit.service';
import { AccountLockout } from '../../src/lockout/account-lockout.service';
import { AuthService } from '../../src/auth/auth.service';
import { EmailVerificationService } from '../../src/auth/email-verification.service';
import { MfaChallengeRepository } from '../../src/mfa/mfa-challenge.repository';
import { PasswordHasher } from '../../src/passwords/password-hasher.service';
import { PasswordService } from '../../src/auth/password.service';
import { RefreshTokenRepository } from '../../src/session/refresh-token.repository';
import { TokenService } from '../../src/tokens/token.service';
import { UserRepository } from '../../src/users/user.repository';
import { Clock } from '../../src/common/clock/clock';
import { Config } from '../../src/config/configuration';
import { FeatureFlagService } from '../../src/feature-flags/feature-flag.service';
import { SecurityNotifications } from '../../src/mail/security-notifications';
import { AuthMetrics } from '../../src/metrics/auth-metrics';
import { MfaService } from '../../src/mfa/mfa.service';
import { SessionService } from '../../src/session/session.service';

/** The collaborators a unit spec of AuthService gives; every other one is an empty typed mock. */
export interface AuthServiceParts {
  clock: Clock;
  config: jest.Mocked<ConfigService<Config, true>>;
  dataSource: jest.Mocked<DataSource>;
  users?: jest.Mocked<UserRepository>;
  refreshTokens?: jest.Mocked<RefreshTokenRepository>;
  audit?: jest.Mocked<AuditService>;
  metrics?: jest.Mocked<AuthMetrics>;
  notifications?: jest.Mocked<SecurityNotifications>;
  flags?: jest.Mocked<FeatureFlagService>;
  tokens?: jest.Mocked<TokenService>;
  sessions?: jest.Mocked<SessionService>;
}

function unused<T>(): jest.Mocked<T> {
  return {} as jest.Mocked<T>;
}

/** An AuthService over the given mocks, in its constructor's order, so specs don't repeat it. */
export function authServiceWith(parts: AuthServiceParts): AuthService {
  return new AuthService(
    parts.users ?? unused<UserRepository>(),
    parts.refreshTokens ?? unused<RefreshTokenRepository>(),
    unused<MfaChallengeRepository>(),
    unused<MfaService>(),
    unused<PasswordHasher>(),
    unused<PasswordService>(),
    unused<AccountLockout>(),
    parts.audit ?? unused<AuditService>(),
    parts.metrics ?? unused<AuthMetrics>(),
    parts.notifications ?? unused<SecurityNotifications>(),
    unused<EmailVerificationService>(),
    parts.flags ?? unused<FeatureFlagService>(),
    parts.tokens ?? unused<TokenService>(),
    parts.sessions ?? unused<SessionService>(),
    parts.clock,
    parts.config,
    parts.dataSource,
  );
}
