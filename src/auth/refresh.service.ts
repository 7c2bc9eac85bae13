import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/clock/clock';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { RefreshTokens } from '../session/refresh-tokens.service';
import { UsersService } from '../users/users.service';
import { AuthError, AuthException } from './auth.exception';
import { LoginResponseDto } from './dto/login-response.dto';
import { LoginTokens } from './login-tokens.service';

/** `POST /auth/refresh`: rotates the refresh token (`RefreshTokens`) and issues a new access token. */
@Injectable()
export class RefreshService {
  constructor(
    private readonly refreshTokens: RefreshTokens,
    private readonly users: UsersService,
    private readonly loginTokens: LoginTokens,
    private readonly metrics: AuthMetrics,
    private readonly notifications: SecurityNotifications,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async refresh(refreshToken: string): Promise<LoginResponseDto> {
    const rotation = await this.refreshTokens.rotate(refreshToken);
    const user =
      rotation.ok && (rotation.user ?? (await this.users.findActiveById(rotation.session.userId)) ?? undefined);
    if (!rotation.ok || !user) {
      const reuse = !rotation.ok && rotation.reuse;
      this.metrics.refreshes.inc({ result: reuse ? 'reuse_detected' : 'failure' });
      if (reuse) {
        const owner = await this.users.findActiveById(reuse.userId);
        if (owner) this.notifications.refreshTokenReuse(owner.email);
      }
      throw new AuthException(AuthError.InvalidRefreshToken, 'Refresh token is invalid or expired');
    }
    const response = await this.loginTokens.reissue(
      user,
      rotation.session,
      rotation.refreshToken,
      this.clock.now(),
      this.dataSource.manager,
    );
    this.metrics.refreshes.inc({ result: 'success' });
    return response;
  }
}
