import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Role } from '../common/auth/auth-user';
import { Clock } from '../common/clock/clock';
import { currentClient } from '../common/http/request-context';
import { Config } from '../config/configuration';
import { FeatureFlagService } from '../feature-flags/feature-flag.service';
import { SecurityNotifications } from '../mail/security-notifications';
import { AuthMetrics } from '../metrics/auth-metrics';
import { DeviceDto } from './dto/device.dto';
import { DeviceError, DeviceException } from './device.exception';
import { TrustedDevice, TrustedDeviceRepository } from './trusted-device.repository';

/** The flag that rolls remembered devices out. */
export const TRUSTED_DEVICES_FLAG = 'trusted_devices';

const DAY_MS = 86_400_000;

/** Why a user's devices end, as the audit trail names it. */
export type DeviceEndReason = 'user' | 'password_replaced' | 'mfa_disabled' | 'token_reuse';

type DeviceOwner = { id: string; email: string; roles: Role[] };

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Remembered devices: a browser that passed the second factor with `rememberDevice` gets a device token
 * (256 random bits, stored as a hash) that skips the second factor for TRUSTED_DEVICE_DAYS. Each use
 * rotates it; a rotated token that comes back is a copy, and ends the device. Off while
 * TRUSTED_DEVICE_DAYS is 0 or the `trusted_devices` flag does not target the user.
 */
@Injectable()
export class TrustedDevices {
  constructor(
    private readonly devices: TrustedDeviceRepository,
    private readonly flags: FeatureFlagService,
    private readonly audit: AuditService,
    private readonly notifications: SecurityNotifications,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
  ) {}

  private get days(): number {
    return this.config.get('security.trustedDeviceDays', { infer: true });
  }

  /** Seconds a device token lives: the cookie's Max-Age. */
  get lifetimeSeconds(): number {
    return this.days * 86_400;
  }

  async enabledFor(user: DeviceOwner): Promise<boolean> {
    return this.days > 0 && this.flags.isEnabled(TRUSTED_DEVICES_FLAG, user);
  }

  /**
   * The user's active device this token is the current token of; undefined for anything else. A token
   * the device held before (a copy: the device rotated past it) ends that device, audited.
   */
  async recognize(userId: string, token: string): Promise<TrustedDevice | undefined> {
    const now = this.clock.now();
    const hash = hashOf(token);
    const device = await this.devices.findActiveByToken(hash, now);
    if (device) return device.userId === userId ? device : undefined;
    const reused = await this.devices.findByRetiredToken(hash);
    if (reused && reused.userId === userId) {
      const ended = await this.devices.end(userId, 'token_reuse', now, { id: reused.id });
      if (ended.length > 0) {
        this.metrics.trustedDevices.inc({ event: 'reuse_detected' });
        await this.audit.record({ type: 'device.reuse_detected', userId, details: { deviceId: reused.id } });
      }
    }
    return undefined;
  }

  /**
   * Remembers the device of a sign-in that passed its second factor, in its transaction: its first
   * token, shown once. The caller asked `enabledFor` first (outside the transaction: it may read the flag).
   */
  async remember(userId: string, sessionId: string, manager: EntityManager): Promise<string> {
    const now = this.clock.now();
    const token = randomBytes(32).toString('base64url');
    const client = currentClient();
    const device = await this.devices.insert(
      {
        userId,
        tokenHash: hashOf(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.days * DAY_MS),
        userAgent: client?.userAgent ?? null,
        ip: client?.ip ?? null,
      },
      sessionId,
      manager,
    );
    await this.audit.record(
      { type: 'device.remembered', userId, details: { deviceId: device.id, sessionId } },
      manager,
    );
    this.metrics.trustedDevices.inc({ event: 'remembered' });
    return token;
  }

  /**
   * A sign-in used the device: its token is swapped for a new one (returned, shown once) and its failure
   * counter cleared. 401 when a concurrent sign-in used it first: only one of them can hold its token.
   */
  async use(device: TrustedDevice, sessionId: string, manager: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const client = currentClient();
    const rotated = await this.devices.rotate(
      device,
      {
        tokenHash: hashOf(token),
        sessionId,
        at: this.clock.now(),
        userAgent: client?.userAgent ?? null,
        ip: client?.ip ?? null,
      },
      manager,
    );
    if (!rotated) throw new DeviceException(DeviceError.DeviceTokenUsed, 'This device token was used already');
    await this.audit.record(
      { type: 'device.used', userId: device.userId, details: { deviceId: device.id, sessionId } },
      manager,
    );
    this.metrics.trustedDevices.inc({ event: 'used' });
    return token;
  }

  /** A sign-in from a device without a device token: the user hears of it (NEW_DEVICE_MAIL). */
  async noticeNewDevice(user: DeviceOwner): Promise<void> {
    if (this.config.get('security.newDeviceMail', { infer: true }) && (await this.enabledFor(user))) {
      this.notifications.newDevice(user.email);
    }
  }

  async list(userId: string, currentSessionId?: string): Promise<DeviceDto[]> {
    return (await this.devices.listActive(userId, this.clock.now(), currentSessionId ?? null)).map((device) => ({
      id: device.id,
      createdAt: device.createdAt,
      lastUsedAt: device.lastUsedAt,
      expiresAt: device.expiresAt,
      userAgent: device.userAgent,
      ip: device.ip,
      current: device.current,
    }));
  }

  /** Ends one of the user's devices; 404 for anyone else's. */
  async endOne(userId: string, id: string): Promise<void> {
    const ended = await this.devices.end(userId, 'user', this.clock.now(), { id });
    if (ended.length === 0) throw new DeviceException(DeviceError.DeviceNotFound, 'Device not found');
    await this.audit.record({ type: 'device.ended', userId, details: { deviceId: id, reason: 'user' } });
    this.metrics.trustedDevices.inc({ event: 'ended' });
  }

  /** Ends every device of the user (the next sign-in from any of them asks for the second factor again). */
  async endAll(userId: string, reason: DeviceEndReason, manager?: EntityManager): Promise<number> {
    const ended = await this.devices.end(userId, reason, this.clock.now(), { manager });
    if (ended.length > 0) {
      await this.audit.record({ type: 'device.ended', userId, details: { devices: ended.length, reason } }, manager);
      this.metrics.trustedDevices.inc({ event: 'ended' }, ended.length);
    }
    return ended.length;
  }

  recordFailure(
    ...args: Parameters<TrustedDeviceRepository['recordFailure']>
  ): ReturnType<TrustedDeviceRepository['recordFailure']> {
    return this.devices.recordFailure(...args);
  }

  clearLocks(userId: string, manager?: EntityManager): Promise<void> {
    return this.devices.clearLocks(userId, manager);
  }

  forgetUser(userId: string, manager: EntityManager): Promise<void> {
    return this.devices.deleteAllForUser(userId, manager);
  }
}
