import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { toDataURL } from 'qrcode';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { AuditService } from '../audit/audit.service';
import { PasswordHasher } from '../auth/password-hasher.service';
import { SessionService } from '../session/session.service';
import { BackupCodes } from './backup-codes';
import { MfaEnabledResponseDto } from './dto/mfa-enabled-response.dto';
import { MfaSetupResponseDto } from './dto/mfa-setup-response.dto';
import { MfaStatusResponseDto } from './dto/mfa-status-response.dto';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository, MfaState } from './mfa.repository';
import { SecretCipher } from './secret-cipher';
import { Totp } from './totp';

/** The `amr` value a second factor adds to the session. */
export type SecondFactor = 'otp' | 'backup_code';

/** Setting up 2FA needs a sign-in this recent: a stolen, long-lived session can't bind its own authenticator. */
export const RECENT_SIGN_IN_MS = 10 * 60_000;

@Injectable()
export class MfaService {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly cipher: SecretCipher,
    private readonly sessions: SessionService,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
  ) {}

  async setup(user: AuthUser): Promise<MfaSetupResponseDto> {
    await this.requireRecentSignIn(user);
    const state = await this.stateOf(user);
    if (state.enabled) throw new MfaException(MfaError.AlreadyEnabled, 'Two-factor authentication is already on');
    const secret = Totp.generateSecret();
    if (!(await this.mfa.setPendingSecret(user.userId, this.cipher.encrypt(secret)))) {
      throw new MfaException(MfaError.AlreadyEnabled, 'Two-factor authentication is already on');
    }
    await this.audit.record({ type: 'mfa.setup_started', userId: user.userId });
    const otpauthUrl = Totp.otpauthUrl(secret, this.config.get('mfa.issuer', { infer: true }), state.email);
    return { secret, otpauthUrl, qrCodeDataUrl: await toDataURL(otpauthUrl, { errorCorrectionLevel: 'M' }) };
  }

  async verify(user: AuthUser, code: string): Promise<MfaEnabledResponseDto> {
    await this.requireRecentSignIn(user);
    const state = await this.stateOf(user);
    if (state.enabled) throw new MfaException(MfaError.AlreadyEnabled, 'Two-factor authentication is already on');
    if (!state.pendingSecretEncrypted) {
      throw new MfaException(MfaError.NotPending, 'Start with POST /2fa/setup');
    }
    const now = this.clock.now();
    const step = Totp.matchingStep(this.cipher.decrypt(state.pendingSecretEncrypted), code, now);
    if (step === undefined) throw new MfaException(MfaError.InvalidCode, 'The code is not valid');
    const backupCodes = BackupCodes.generate();
    const hashes = backupCodes.map((backup) => BackupCodes.hash(user.userId, BackupCodes.normalize(backup) as string));
    if (!(await this.mfa.enable(user.userId, state.pendingSecretEncrypted, step, now, hashes))) {
      throw new MfaException(MfaError.NotPending, 'The setup changed meanwhile; start again with POST /2fa/setup');
    }
    // A session confined to enrolling is done with it: its next refresh brings a full token.
    if (user.scope === 'mfa_enrollment') await this.sessions.promoteToFull(user.sessionId);
    await this.audit.record({ type: 'mfa.enabled', userId: user.userId });
    return { enabled: true, backupCodes };
  }

  /**
   * Checks a second factor for a user with 2FA on and uses it up: a TOTP code (its step can't be used
   * again) or a backup code (single use). Answers the method, or undefined for a wrong or replayed code.
   */
  async consumeSecondFactor(userId: string, code: string): Promise<SecondFactor | undefined> {
    const state = await this.mfa.findState(userId);
    if (!state?.enabled || !state.secretEncrypted) return undefined;
    const now = this.clock.now();
    if (Totp.isWellFormed(code)) {
      const step = Totp.matchingStep(this.cipher.decrypt(state.secretEncrypted), code, now);
      return step !== undefined && (await this.mfa.claimTotpStep(userId, step)) ? 'otp' : undefined;
    }
    const normalized = BackupCodes.normalize(code);
    if (!normalized) return undefined;
    if (!(await this.mfa.claimBackupCode(userId, BackupCodes.hash(userId, normalized), now))) return undefined;
    const remaining = await this.mfa.countUnusedBackupCodes(userId);
    await this.audit.record({ type: 'mfa.backup_code_used', userId, details: { remaining } });
    return 'backup_code';
  }

  /** Needs the password and a current code or backup code; ends the user's other sessions. */
  async disable(user: AuthUser, password: string, code: string): Promise<void> {
    const state = await this.stateOf(user);
    if (!state.enabled) throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off');
    if (!(await this.hasher.verify(password, state.passwordHash))) {
      throw new MfaException(MfaError.WrongPassword, 'The password is wrong');
    }
    if (!(await this.consumeSecondFactor(user.userId, code))) {
      throw new MfaException(MfaError.InvalidCode, 'The code is not valid');
    }
    await this.mfa.disable(user.userId);
    const endedSessions = await this.sessions.revokeAllForUser(user.userId, 'mfa_disabled', user.sessionId);
    await this.audit.record({ type: 'mfa.disabled', userId: user.userId, details: { by: 'user', endedSessions } });
  }

  /** A current TOTP code replaces the backup codes; the old set stops working at once. */
  async regenerateBackupCodes(user: AuthUser, code: string): Promise<string[]> {
    const state = await this.stateOf(user);
    if (!state.enabled) throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off');
    if ((await this.consumeSecondFactor(user.userId, code)) !== 'otp') {
      throw new MfaException(MfaError.InvalidCode, 'The code is not valid');
    }
    const backupCodes = BackupCodes.generate();
    await this.mfa.replaceBackupCodes(
      user.userId,
      backupCodes.map((backup) => BackupCodes.hash(user.userId, BackupCodes.normalize(backup) as string)),
      this.clock.now(),
    );
    await this.audit.record({ type: 'mfa.backup_codes_regenerated', userId: user.userId });
    return backupCodes;
  }

  /** Declines enrollment for now: allowed unless MFA_ENROLLMENT is `required`. */
  skip(user: AuthUser): void {
    if (this.config.get('mfa.enrollment', { infer: true }) === 'required' || user.scope === 'mfa_enrollment') {
      throw new MfaException(MfaError.EnrollmentRequired, 'Two-factor authentication is required for this account');
    }
  }

  /**
   * Re-encrypts every TOTP secret under the current MFA_ENCRYPTION_KEY (older keys come from
   * MFA_ENCRYPTION_KEYS_OLD). Once it reports 0 left, the old keys can be removed.
   */
  async reencryptSecrets(): Promise<{ reencrypted: number }> {
    let reencrypted = 0;
    for (;;) {
      const batch = await this.mfa.findSecretsNotUnderKey(this.cipher.currentKeyId, 500);
      if (batch.length === 0) return { reencrypted };
      let progressed = false;
      for (const row of batch) {
        const rewrap = (value: string | null) =>
          value === null ? null : this.cipher.encrypt(this.cipher.decrypt(value));
        if (await this.mfa.replaceSecrets(row.id, row, { secret: rewrap(row.secret), pending: rewrap(row.pending) })) {
          reencrypted++;
          progressed = true;
        }
      }
      if (!progressed) return { reencrypted };
    }
  }

  async status(user: AuthUser): Promise<MfaStatusResponseDto> {
    const state = await this.stateOf(user);
    return {
      enabled: state.enabled,
      enabledAt: state.enabledAt,
      backupCodesRemaining: state.enabled ? await this.mfa.countUnusedBackupCodes(user.userId) : 0,
    };
  }

  private async stateOf(user: AuthUser): Promise<MfaState> {
    const state = await this.mfa.findState(user.userId);
    if (!state) throw new MfaException(MfaError.ReauthenticationRequired, 'Account no longer exists');
    return state;
  }

  private async requireRecentSignIn(user: AuthUser): Promise<void> {
    const signedInAt = await this.sessions.signedInAt(user.sessionId);
    if (this.clock.now().getTime() - signedInAt.getTime() > RECENT_SIGN_IN_MS) {
      throw new MfaException(
        MfaError.ReauthenticationRequired,
        'Sign in again: setting up two-factor authentication needs a sign-in from the last 10 minutes',
      );
    }
  }
}
