import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MetricsService } from './metrics.service';

export type FailedAttemptKind = 'password' | 'totp' | 'backup_code' | 'webauthn';

/**
 * The authentication counters of DESIGN's MetricsModule. Labels are small fixed sets: never a user id,
 * an email or anything else a client chooses.
 */
@Injectable()
export class AuthMetrics {
  readonly logins: Counter<'result'>;
  readonly failedAttempts: Counter<'kind'>;
  readonly totpVerifications: Counter<'result'>;
  readonly backupCodesUsed: Counter;
  readonly sessionsCreated: Counter;
  readonly sessionsRevoked: Counter<'reason'>;
  readonly refreshes: Counter<'result'>;
  readonly lockouts: Counter;
  readonly cleanupRuns: Counter<'result'>;
  readonly cleanupDeletedRows: Counter<'table'>;
  readonly cleanupDuration: Histogram;
  readonly mails: Counter<'result'>;
  readonly magicLinkRequests: Counter<'status'>;
  readonly magicLinkVerifications: Counter<'result'>;
  readonly webauthnRegistrations: Counter<'result'>;
  readonly webauthnAuthentications: Counter<'flow' | 'result'>;
  readonly trustedDevices: Counter<'event'>;
  private mfaEnabledUsersSource?: () => Promise<number>;
  private usersSource?: () => Promise<number>;
  private passkeyUsersSource?: () => Promise<number>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.logins = new Counter({
      name: 'auth_logins_total',
      help: 'Password and 2FA login attempts by outcome',
      labelNames: ['result'],
      registers,
    });
    this.failedAttempts = new Counter({
      name: 'auth_failed_attempts_total',
      help: 'Failed credential checks by kind: wrong passwords (unknown emails too) and wrong or replayed codes',
      labelNames: ['kind'],
      registers,
    });
    this.totpVerifications = new Counter({
      name: 'auth_totp_verify_total',
      help: 'TOTP code checks by outcome (replayed: a code whose time step was used already)',
      labelNames: ['result'],
      registers,
    });
    this.backupCodesUsed = new Counter({
      name: 'auth_backup_codes_used_total',
      help: 'Backup codes used up',
      registers,
    });
    this.sessionsCreated = new Counter({ name: 'auth_sessions_created_total', help: 'Sessions started', registers });
    this.sessionsRevoked = new Counter({
      name: 'auth_sessions_revoked_total',
      help: 'Sessions ended before their time, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.refreshes = new Counter({
      name: 'auth_refresh_total',
      help: 'Refresh-token rotations by outcome (reuse_detected: a rotated token came back, session revoked)',
      labelNames: ['result'],
      registers,
    });
    this.lockouts = new Counter({
      name: 'auth_account_lockouts_total',
      help: 'Accounts locked after too many failures',
      registers,
    });
    this.cleanupRuns = new Counter({
      name: 'auth_cleanup_runs_total',
      help: 'Cleanup job runs by outcome (skipped: another replica held the lock)',
      labelNames: ['result'],
      registers,
    });
    this.cleanupDeletedRows = new Counter({
      name: 'auth_cleanup_deleted_rows_total',
      help: 'Rows deleted by the cleanup job, by table',
      labelNames: ['table'],
      registers,
    });
    this.cleanupDuration = new Histogram({
      name: 'auth_cleanup_duration_seconds',
      help: 'Cleanup job run time',
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    this.mails = new Counter({
      name: 'auth_mail_deliveries_total',
      help: 'Mail delivery attempts by outcome (failed: given up after every retry)',
      labelNames: ['result'],
      registers,
    });
    this.magicLinkRequests = new Counter({
      name: 'auth_magiclink_requests_total',
      help: 'Magic-link requests by outcome: sent, unknown_account, not_targeted (passwordless_auth off for the user)',
      labelNames: ['status'],
      registers,
    });
    this.magicLinkVerifications = new Counter({
      name: 'auth_magiclink_verifications_total',
      help: 'Magic-link sign-ins by result: success, invalid (never issued), expired_or_used, refused (locked or no longer targeted)',
      labelNames: ['result'],
      registers,
    });
    this.webauthnRegistrations = new Counter({
      name: 'auth_webauthn_registrations_total',
      help: 'Passkey registrations by result: success, failure (wrong origin, RP ID, challenge or attestation)',
      labelNames: ['result'],
      registers,
    });
    this.webauthnAuthentications = new Counter({
      name: 'auth_webauthn_authentications_total',
      help: 'Passkey assertions by flow (second_factor, passwordless) and result: success, failure, unknown_credential, invalid_challenge (replayed, expired or foreign), clone_suspected (signature counter went backwards)',
      labelNames: ['flow', 'result'],
      registers,
    });
    this.trustedDevices = new Counter({
      name: 'auth_trusted_devices_total',
      help: 'Remembered devices by event: remembered, used (skipped a second factor), reuse_detected (a rotated token came back: the device ended), ended, locked (its own failures)',
      labelNames: ['event'],
      registers,
    });
    for (const flow of ['second_factor', 'passwordless']) {
      for (const result of ['success', 'failure', 'unknown_credential', 'invalid_challenge', 'clone_suspected']) {
        this.webauthnAuthentications.inc({ flow, result }, 0);
      }
    }
    // Every known series starts at 0, so a rate or increase() sees the very first event of a process.
    const known: [Counter<string>, string, readonly string[]][] = [
      [this.logins, 'result', ['success', 'mfa_required', 'failure', 'locked']],
      [this.failedAttempts, 'kind', ['password', 'totp', 'backup_code', 'webauthn']],
      [this.webauthnRegistrations, 'result', ['success', 'failure']],
      [this.trustedDevices, 'event', ['remembered', 'used', 'reuse_detected', 'ended', 'locked']],
      [this.totpVerifications, 'result', ['success', 'failure', 'replayed']],
      [this.refreshes, 'result', ['success', 'failure', 'reuse_detected']],
      [this.cleanupRuns, 'result', ['success', 'skipped', 'failure']],
      [this.mails, 'result', ['sent', 'retried', 'failed']],
      [this.magicLinkRequests, 'status', ['sent', 'unknown_account', 'not_targeted']],
      [this.magicLinkVerifications, 'result', ['success', 'invalid', 'expired_or_used', 'refused']],
      [this.cleanupDeletedRows, 'table', ['sessions', 'refresh_tokens', 'audit_events']],
    ];
    for (const [counter, label, values] of known) for (const value of values) counter.inc({ [label]: value }, 0);
    databaseGauge(
      'auth_mfa_enabled_users',
      'Users with 2FA on, read from the database at scrape time (the same on every replica)',
      registers,
      () => this.mfaEnabledUsersSource,
    );
    databaseGauge(
      'auth_users',
      'Active (not deleted) accounts, read from the database at scrape time (the same on every replica)',
      registers,
      () => this.usersSource,
    );
    databaseGauge(
      'auth_webauthn_users',
      'Users with at least one passkey, read from the database at scrape time (the same on every replica)',
      registers,
      () => this.passkeyUsersSource,
    );
  }

  /** The SessionModule names its revoke reasons, so each series starts at 0 without metrics importing session. */
  startRevokeReasonsAtZero(reasons: readonly string[]): void {
    for (const reason of reasons) this.sessionsRevoked.inc({ reason }, 0);
  }

  /** The MfaModule tells the gauge how to count; metrics never reach into another module's tables. */
  countMfaEnabledUsersWith(read: () => Promise<number>): void {
    this.mfaEnabledUsersSource = read;
  }

  /** The MfaModule tells `auth_webauthn_users` how to count (beside `auth_users`, the passkey adoption). */
  countPasskeyUsersWith(read: () => Promise<number>): void {
    this.passkeyUsersSource = read;
  }

  /** The UsersModule tells `auth_users` how to count (with `auth_mfa_enabled_users`, the 2FA adoption). */
  countUsersWith(read: () => Promise<number>): void {
    this.usersSource = read;
  }
}

/** A gauge read at scrape time from whatever its module registered; no value until one did. */
function databaseGauge(
  name: string,
  help: string,
  registers: Registry[],
  source: () => (() => Promise<number>) | undefined,
): void {
  new Gauge({
    name,
    help,
    registers,
    async collect() {
      const read = source();
      if (!read) return;
      try {
        this.set(await read());
      } catch {
        // The last value stands: a database hiccup must not fail the whole scrape.
      }
    },
  });
}
