import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { SessionService } from '../session/session.service';
import { MfaSetupResponseDto } from './dto/mfa-setup-response.dto';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository } from './mfa.repository';
import { qrPngDataUrl } from './qr-png';
import { SecretCipher } from './secret-cipher';
import { requireRecentSignIn } from './recent-sign-in';
import { Totp } from './totp';

/** `POST /mfa/setup` and `/mfa/skip`: starting TOTP enrollment (`MfaService.verify` finishes it), or declining it. */
@Injectable()
export class TotpSetup {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly cipher: SecretCipher,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async setup(user: AuthUser): Promise<MfaSetupResponseDto> {
    await requireRecentSignIn(this.sessions, this.clock, user);
    const state = await this.mfa.requireState(user.userId);
    if (state.secretEncrypted) throw new MfaException(MfaError.AlreadyEnabled, 'TOTP is already on');
    const secret = Totp.generateSecret();
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.mfa.setPendingSecret(user.userId, this.cipher.encrypt(secret), manager))) {
        throw new MfaException(MfaError.AlreadyEnabled, 'TOTP is already on');
      }
      await this.audit.record({ type: 'mfa.setup_started', userId: user.userId }, manager);
    });
    const otpauthUrl = Totp.otpauthUrl(secret, this.config.get('mfa.issuer', { infer: true }), state.email);
    return { secret, otpauthUrl, qrCodeDataUrl: qrPngDataUrl(otpauthUrl) };
  }

  /** Declines enrollment for now: allowed unless MFA_ENROLLMENT is `required`; 409 once 2FA is on. */
  async skip(user: AuthUser): Promise<void> {
    if ((await this.mfa.requireState(user.userId)).enabled) {
      throw new MfaException(MfaError.AlreadyEnabled, 'Two-factor authentication is already on');
    }
    if (this.config.get('mfa.enrollment', { infer: true }) === 'required' || user.scope === 'mfa_enrollment') {
      throw new MfaException(MfaError.EnrollmentRequired, 'Two-factor authentication is required for this account');
    }
    await this.audit.record({ type: 'mfa.enrollment_skipped', userId: user.userId });
  }
}
