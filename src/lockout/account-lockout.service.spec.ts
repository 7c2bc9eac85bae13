import { TrustedDevices } from '../devices/trusted-devices.service';
import { HttpStatus } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Config } from '../config/configuration';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { AccountLockout } from './account-lockout.service';
import { AuthError, AuthException } from '../auth/auth.exception';
import { FailureOutcome } from '../users/user.repository';
import { UsersService } from '../users/users.service';
import { LOCKOUT_ERRORS, LockoutError, LockoutException } from './lockout.exception';

const MAX_FAILED_LOGIN_ATTEMPTS = 3;
const LOCKOUT_MINUTES = 30;
const NOW = new Date('2026-01-01T12:00:00Z');
const USER = { id: '1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b', email: 'ada@example.com' };

function setUp() {
  const manager = {} as EntityManager;
  let failures = 0;
  const users = {
    // Counts like the row does: the attempt that reaches the limit locks the account.
    recordFailedAttempt: jest.fn((_id: string, now: Date, max: number, lockMs: number): Promise<FailureOutcome> => {
      failures += 1;
      return Promise.resolve(
        failures >= max
          ? { lockedUntil: new Date(now.getTime() + lockMs), lockedNow: failures === max }
          : { lockedUntil: null, lockedNow: false },
      );
    }),
  } as unknown as jest.Mocked<UsersService>;
  const config = {
    get: jest.fn(() => ({
      maxFailedLoginAttempts: MAX_FAILED_LOGIN_ATTEMPTS,
      lockoutDurationMinutes: LOCKOUT_MINUTES,
    })),
  } as unknown as jest.Mocked<ConfigService<Config, true>>;
  const audit = { record: jest.fn().mockResolvedValue(undefined) } as unknown as jest.Mocked<AuditService>;
  const metrics = {
    failedAttempts: { inc: jest.fn() },
    lockouts: { inc: jest.fn() },
  } as unknown as jest.Mocked<AuthMetrics>;
  const notifications = { accountLocked: jest.fn() } as unknown as jest.Mocked<SecurityNotifications>;
  const dataSource = {
    transaction: jest.fn((work: (m: EntityManager) => Promise<unknown>) => work(manager)),
  } as unknown as jest.Mocked<DataSource>;
  const devices = { recordFailure: jest.fn() } as unknown as jest.Mocked<TrustedDevices>;
  const lockout = new AccountLockout(users, config, audit, metrics, notifications, devices, dataSource);
  return { lockout, users, audit, metrics, notifications, manager };
}

function wrongPassword() {
  return {
    error: new AuthException(AuthError.InvalidCredentials, 'Invalid email or password'),
    reason: 'wrong_password',
  };
}

async function refusal(attempt: Promise<unknown>): Promise<LockoutException> {
  const error: unknown = await attempt.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LockoutException);
  return error as LockoutException;
}

describe('AccountLockout', () => {
  it('refuses a locked account with 423 and when the lock ends, leaving a login.failed trace', async () => {
    const { lockout, audit } = setUp();
    const lockedUntil = new Date(NOW.getTime() + 10 * 60_000);

    const error = await refusal(lockout.assertNotLocked({ id: USER.id, lockedUntil }, NOW));

    expect(LOCKOUT_ERRORS.status[error.code]).toBe(HttpStatus.LOCKED);
    expect(error.code).toBe(LockoutError.AccountLocked);
    expect(error.extra).toEqual({ lockedUntil: lockedUntil.toISOString() });
    expect(audit.record).toHaveBeenCalledWith({
      type: 'login.failed',
      userId: USER.id,
      details: { reason: 'account_locked' },
    });
  });

  it('lets an account whose lock has lapsed try again', async () => {
    const { lockout, audit } = setUp();

    await expect(
      lockout.assertNotLocked({ id: USER.id, lockedUntil: new Date(NOW.getTime() - 1) }, NOW),
    ).resolves.toBeUndefined();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('answers a failure below the limit with the given error and audits it as login.failed', async () => {
    const { lockout, audit, metrics, notifications, manager } = setUp();
    const failure = wrongPassword();

    await expect(lockout.fail(USER, NOW, failure)).rejects.toBe(failure.error);

    expect(audit.record).toHaveBeenCalledTimes(1);
    expect(audit.record).toHaveBeenCalledWith(
      { type: 'login.failed', userId: USER.id, details: { reason: 'wrong_password' } },
      manager,
    );
    expect(metrics.failedAttempts.inc).toHaveBeenCalledWith({ kind: 'password' });
    expect(metrics.lockouts.inc).not.toHaveBeenCalled();
    expect(notifications.accountLocked).not.toHaveBeenCalled();
  });

  it('locks the account on the failure that reaches MAX_FAILED_LOGIN_ATTEMPTS: 423, account.locked, a metric and a mail', async () => {
    const { lockout, users, audit, metrics, notifications, manager } = setUp();
    const lockedUntil = new Date(NOW.getTime() + LOCKOUT_MINUTES * 60_000);
    for (let attempt = 1; attempt < MAX_FAILED_LOGIN_ATTEMPTS; attempt++) {
      await expect(lockout.fail(USER, NOW, wrongPassword())).rejects.toMatchObject({
        code: AuthError.InvalidCredentials,
      });
    }
    expect(notifications.accountLocked).not.toHaveBeenCalled();

    const error = await refusal(lockout.fail(USER, NOW, wrongPassword()));

    expect(LOCKOUT_ERRORS.status[error.code]).toBe(HttpStatus.LOCKED);
    expect(error.extra).toEqual({ lockedUntil: lockedUntil.toISOString() });
    expect(users.recordFailedAttempt).toHaveBeenLastCalledWith(
      USER.id,
      NOW,
      MAX_FAILED_LOGIN_ATTEMPTS,
      LOCKOUT_MINUTES * 60_000,
      manager,
    );
    expect(audit.record).toHaveBeenLastCalledWith(
      { type: 'account.locked', userId: USER.id, details: { lockedUntil: lockedUntil.toISOString() } },
      manager,
    );
    expect(metrics.lockouts.inc).toHaveBeenCalledTimes(1);
    expect(notifications.accountLocked).toHaveBeenCalledTimes(1);
    expect(notifications.accountLocked).toHaveBeenCalledWith(USER.email, lockedUntil, 'new_devices');
  });

  it('keeps answering 423 without a second lockout mail for a failure racing in after the lock', async () => {
    const { lockout, metrics, notifications } = setUp();
    for (let attempt = 1; attempt <= MAX_FAILED_LOGIN_ATTEMPTS; attempt++) {
      await lockout.fail(USER, NOW, wrongPassword()).catch(() => undefined);
    }

    const error = await refusal(lockout.fail(USER, NOW, wrongPassword()));

    expect(error.code).toBe(LockoutError.AccountLocked);
    expect(metrics.lockouts.inc).toHaveBeenCalledTimes(1);
    expect(notifications.accountLocked).toHaveBeenCalledTimes(1);
  });
});
