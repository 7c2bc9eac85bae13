import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthUser } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { AuditService } from '../audit/audit.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { SessionService } from '../session/session.service';
import { BackupCodes } from './backup-codes';
import { MfaEnabledResponseDto } from './dto/mfa-enabled-response.dto';
import { MfaStatusResponseDto } from './dto/mfa-status-response.dto';
import { MfaError, MfaException } from './mfa.exception';
import { MfaRepository } from './mfa.repository';
import { MfaState } from '../users/user-mfa-columns.service';
import { SecretCipher } from './secret-cipher';
import { requireRecentSignIn } from './recent-sign-in';
import { Totp } from './totp';

/** The `amr` value a second factor adds to the session. */
export type SecondFactor = 'otp' | 'backup_code';

/** A second factor as `mfa_required` names it. */
export type SecondFactorMethod = 'totp' | 'webauthn' | 'backup_code';

/** What a code was checked for: named in the audit trail beside failures and replays. */
export type CodePurpose = 'login' | 'disable' | 'regenerate' | 'account_deletion' | 'passkey_remove';

export interface SecondFactorCheck {
  /** Which kind of code it looked like: six digits are a TOTP code, anything else a backup code. */
  method: SecondFactor;
  ok: boolean;
}

/** What `signInWithSecondFactor` gives back: the refusal, or what `complete` answered. */
export type SecondFactorUse<T> = { method: SecondFactor; ok: false } | { method: SecondFactor; ok: true; result: T };

/** The TOTP step a sign-in claims with its login stamp (`SignInService.complete`). */
export interface TotpStepClaim {
  totpStep: number;
}

/** Thrown inside the sign-in's transaction when the TOTP step was used meanwhile: it rolls the sign-in back. */
export class ReplayedStep extends Error {}

@Injectable()
export class MfaService implements OnModuleInit {
  constructor(
    private readonly mfa: MfaRepository,
    private readonly cipher: SecretCipher,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly notifications: SecurityNotifications,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.metrics.countMfaEnabledUsersWith(() => this.mfa.countEnabledUsers());
  }

  countEnabledUsers(): Promise<number> {
    return this.mfa.countEnabledUsers();
  }

  countBackupCodesUsedSince(since: Date): Promise<number> {
    return this.mfa.countBackupCodesUsedSince(since);
  }

  async verify(user: AuthUser, code: string): Promise<MfaEnabledResponseDto> {
    await requireRecentSignIn(this.sessions, this.clock, user);
    const state = await this.mfa.requireState(user.userId);
    if (state.secretEncrypted) throw new MfaException(MfaError.AlreadyEnabled, 'TOTP is already on');
    if (!state.pendingSecretEncrypted) {
      throw new MfaException(MfaError.NotPending, 'Start with POST /2fa/setup');
    }
    const now = this.clock.now();
    const step = Totp.matchingStep(this.cipher.decrypt(state.pendingSecretEncrypted), code, now);
    if (step === undefined) {
      this.metrics.totpVerifications.inc({ result: 'failure' });
      await this.audit.record({
        type: 'mfa.code_failed',
        userId: user.userId,
        details: { method: 'totp', purpose: 'setup' },
      });
      throw new MfaException(MfaError.InvalidCode, 'The code is not valid');
    }
    this.metrics.totpVerifications.inc({ result: 'success' });
    const backupCodes = await this.dataSource.transaction(async (manager) => {
      const enabled = await this.mfa.enableTotp(
        user.userId,
        state.pendingSecretEncrypted as string,
        step,
        now,
        manager,
      );
      if (!enabled) {
        throw new MfaException(MfaError.NotPending, 'The setup changed meanwhile; start again with POST /2fa/setup');
      }
      return this.factorAdded(user, enabled.wasEnabled, 'totp', manager);
    });
    if (backupCodes) this.notifications.mfaEnabled(state.email);
    return { enabled: true, backupCodes: backupCodes ?? [] };
  }

  /**
   * What adding a second factor (TOTP or a passkey) does in the transaction that adds it, once the
   * user's row is locked: a session confined to enrolling is done with it (its next refresh brings a
   * full token), and the first factor turns 2FA on and issues the backup codes, returned to be shown
   * this once (undefined for a later factor: the codes were shown with the first).
   */
  private async factorAdded(
    user: AuthUser,
    wasEnabled: boolean,
    method: 'totp' | 'webauthn',
    manager: EntityManager,
  ): Promise<string[] | undefined> {
    if (user.scope === 'mfa_enrollment') await this.sessions.promoteToFull(user.sessionId, manager);
    if (wasEnabled) return undefined;
    const backupCodes = BackupCodes.generate();
    const hashes = backupCodes.map((backup) => BackupCodes.hash(user.userId, BackupCodes.normalize(backup) as string));
    await this.mfa.insertBackupCodes(manager, user.userId, hashes, this.clock.now());
    await this.audit.record({ type: 'mfa.enabled', userId: user.userId, details: { method } }, manager);
    return backupCodes;
  }

  /**
   * Adds a second factor other than TOTP (a passkey): `store` writes it once 2FA is marked on and the
   * user's row locked, in the transaction that also does what `factorAdded` says.
   */
  async addFactor<T>(
    user: AuthUser,
    method: 'webauthn',
    store: (manager: EntityManager, firstFactor: boolean) => Promise<T>,
  ): Promise<{ stored: T; backupCodes?: string[] }> {
    return this.dataSource.transaction(async (manager) => {
      const { wasEnabled } = await this.mfa.markEnabled(user.userId, this.clock.now(), manager);
      const stored = await store(manager, !wasEnabled);
      return { stored, backupCodes: await this.factorAdded(user, wasEnabled, method, manager) };
    });
  }

  /** The second factors a pending sign-in of this user (2FA on) may use, as `mfa_required` lists them. */
  async methodsOf(userId: string): Promise<SecondFactorMethod[]> {
    const [state, passkeys] = await Promise.all([this.mfa.findState(userId), this.mfa.countPasskeys(userId)]);
    return [
      ...(state?.secretEncrypted ? (['totp'] as const) : []),
      ...(passkeys > 0 ? (['webauthn'] as const) : []),
      'backup_code',
    ];
  }

  /**
   * Checks a second factor for a user with 2FA on and uses it up: a TOTP code (its step can't be used
   * again) or a backup code (single use). Where only a TOTP code will do (backup-code regeneration), the
   * request's DTO already refuses anything but six digits. Failures and replays are audited and counted
   * here; the caller decides what they cost (the login step and every proof count them towards lockout).
   */
  async consumeSecondFactor(userId: string, code: string, purpose: CodePurpose): Promise<SecondFactorCheck> {
    const { method, ok } = await this.useSecondFactor(
      await this.mfa.findState(userId),
      userId,
      code,
      purpose,
      async (_method, claim) => {
        if (claim && !(await this.mfa.claimTotpStep(userId, claim.totpStep))) throw new ReplayedStep();
      },
    );
    return { method, ok };
  }

  /**
   * The login step's `consumeSecondFactor`: `complete` starts the session in a transaction of its own and
   * claims the TOTP step of the `claim` it is given with the login stamp (one statement on the user's row),
   * so the step and the session commit together; when the step was used meanwhile it throws `ReplayedStep`,
   * which rolls the sign-in back and is audited and counted as `consumeSecondFactor` does. Backup codes are
   * used up first, in their own transaction, as there; `complete` then gets no claim. `state` is the
   * account's 2FA state as read with the pending login (`UsersService.findPendingSignIn`, one round trip).
   */
  signInWithSecondFactor<T>(
    state: MfaState,
    userId: string,
    code: string,
    complete: (method: SecondFactor, claim?: TotpStepClaim) => Promise<T>,
  ): Promise<SecondFactorUse<T>> {
    return this.useSecondFactor(state, userId, code, 'login', complete);
  }

  /** `state` as read with the request's account (a pending login's), or null when the account is gone. */
  private async useSecondFactor<T>(
    state: MfaState | null,
    userId: string,
    code: string,
    purpose: CodePurpose,
    complete: (method: SecondFactor, claim?: TotpStepClaim) => Promise<T>,
  ): Promise<SecondFactorUse<T>> {
    const method: SecondFactor = Totp.isWellFormed(code) ? 'otp' : 'backup_code';
    if (!state?.enabled || (method === 'otp' && !state.secretEncrypted)) return { method, ok: false };
    const now = this.clock.now();
    if (method === 'otp') {
      const step = Totp.matchingStep(this.cipher.decrypt(state.secretEncrypted as string), code, now);
      if (step === undefined) return this.totpRefused(userId, purpose, 'failure');
      let result: T;
      try {
        result = await complete(method, { totpStep: step });
      } catch (error) {
        if (error instanceof ReplayedStep) return this.totpRefused(userId, purpose, 'replayed');
        throw error;
      }
      this.metrics.totpVerifications.inc({ result: 'success' });
      return { method, ok: true, result };
    }
    const normalized = BackupCodes.normalize(code);
    const remaining = await this.dataSource.transaction(async (manager) => {
      if (
        !normalized ||
        !(await this.mfa.claimBackupCode(userId, BackupCodes.hash(userId, normalized), now, manager))
      ) {
        return undefined;
      }
      const left = await this.mfa.countUnusedBackupCodes(userId, manager);
      await this.audit.record({ type: 'mfa.backup_code_used', userId, details: { remaining: left, purpose } }, manager);
      return left;
    });
    if (remaining === undefined) {
      await this.audit.record({ type: 'mfa.code_failed', userId, details: { method: 'backup_code', purpose } });
      return { method, ok: false };
    }
    this.metrics.backupCodesUsed.inc();
    // Turning 2FA off deletes the rest at once: its own mail says so.
    if (purpose !== 'disable') this.notifications.backupCodeUsed(state.email, remaining);
    return { method, ok: true, result: await complete(method) };
  }

  private async totpRefused(
    userId: string,
    purpose: CodePurpose,
    result: 'failure' | 'replayed',
  ): Promise<{ method: 'otp'; ok: false }> {
    this.metrics.totpVerifications.inc({ result });
    await this.audit.record({
      type: result === 'replayed' ? 'mfa.code_replayed' : 'mfa.code_failed',
      userId,
      details: { method: 'totp', purpose },
    });
    return { method: 'otp', ok: false };
  }

  /**
   * New backup codes replace the old set, which stops working at once. Only after the proof (a current
   * TOTP code), which `ProofService` checks.
   */
  async regenerateBackupCodes(user: AuthUser): Promise<string[]> {
    const state = await this.mfa.requireState(user.userId);
    if (!state.enabled) throw new MfaException(MfaError.NotEnabled, 'Two-factor authentication is off');
    const backupCodes = BackupCodes.generate();
    const hashes = backupCodes.map((backup) => BackupCodes.hash(user.userId, BackupCodes.normalize(backup) as string));
    await this.dataSource.transaction(async (manager) => {
      await this.mfa.replaceBackupCodes(user.userId, hashes, this.clock.now(), manager);
      await this.audit.record({ type: 'mfa.backup_codes_regenerated', userId: user.userId }, manager);
    });
    this.notifications.backupCodesRegenerated(state.email);
    return backupCodes;
  }

  /**
   * Deletes the backup codes, passkeys and pending sign-ins of a deleted account (its TOTP secret goes
   * with its row).
   */
  forgetUser(userId: string, manager: EntityManager): Promise<void> {
    return this.mfa.deleteAllForUser(userId, manager);
  }

  async status(user: AuthUser): Promise<MfaStatusResponseDto> {
    const state = await this.mfa.requireState(user.userId);
    return {
      enabled: state.enabled,
      enabledAt: state.enabledAt,
      totp: state.secretEncrypted !== null,
      passkeys: await this.mfa.countPasskeys(user.userId),
      backupCodesRemaining: state.enabled ? await this.mfa.countUnusedBackupCodes(user.userId) : 0,
    };
  }
}
