import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows, returnedRows } from '../database/affected-rows';

/** A remembered device of a user, as stored (its token only as a hash). */
export interface TrustedDevice {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
  failedAttempts: number;
  lockedUntil: Date | null;
}

interface DeviceRow {
  id: string;
  user_id: string;
  token_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date;
  user_agent: string | null;
  ip: string | null;
  failed_attempts: number;
  locked_until: Date | null;
}

const COLUMNS = `id, user_id, token_hash, created_at, last_used_at, expires_at, user_agent, ip,
  failed_attempts, locked_until`;

const DEVICE_COLUMNS = COLUMNS.split(',')
  .map((column) => `d.${column.trim()}`)
  .join(', ');

function toDevice(row: DeviceRow): TrustedDevice {
  return {
    id: row.id,
    userId: row.user_id,
    tokenHash: row.token_hash,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    userAgent: row.user_agent,
    ip: row.ip,
    failedAttempts: row.failed_attempts,
    lockedUntil: row.locked_until,
  };
}

/** `trusted_devices` and the hashes of the tokens they held before (`trusted_device_retired_tokens`). */
@Injectable()
export class TrustedDeviceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** The active (not ended, not expired) device whose current token has this hash. */
  async findActiveByToken(tokenHash: string, now: Date): Promise<TrustedDevice | undefined> {
    const [row] = await this.dataSource.query<DeviceRow[]>(
      `SELECT ${COLUMNS} FROM trusted_devices WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2`,
      [tokenHash, now],
    );
    return row && toDevice(row);
  }

  /** The device (ended or not) that held a token with this hash before it was rotated. */
  async findByRetiredToken(tokenHash: string): Promise<TrustedDevice | undefined> {
    const [row] = await this.dataSource.query<DeviceRow[]>(
      `SELECT ${DEVICE_COLUMNS} FROM trusted_device_retired_tokens r
         JOIN trusted_devices d ON d.id = r.device_id
        WHERE r.token_hash = $1`,
      [tokenHash],
    );
    return row && toDevice(row);
  }

  async insert(
    device: Pick<TrustedDevice, 'userId' | 'tokenHash' | 'createdAt' | 'expiresAt' | 'userAgent' | 'ip'>,
    sessionId: string,
    manager: EntityManager,
  ): Promise<TrustedDevice> {
    const [row] = await manager.query<DeviceRow[]>(
      `INSERT INTO trusted_devices (user_id, token_hash, created_at, expires_at, user_agent, ip)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [device.userId, device.tokenHash, device.createdAt, device.expiresAt, device.userAgent, device.ip],
    );
    await this.linkSession(row.id, sessionId, manager);
    return toDevice(row);
  }

  private async linkSession(deviceId: string, sessionId: string, manager: EntityManager): Promise<void> {
    await manager.query(`INSERT INTO trusted_device_sessions (session_id, device_id) VALUES ($1, $2)`, [
      sessionId,
      deviceId,
    ]);
  }

  /**
   * Swaps the device's current token for a new one (the old hash retired), records the use and clears
   * its failure counter. False, changing nothing, when another request rotated or ended it first.
   */
  async rotate(
    device: TrustedDevice,
    next: { tokenHash: string; sessionId: string; at: Date; userAgent: string | null; ip: string | null },
    manager: EntityManager,
  ): Promise<boolean> {
    const result: unknown = await manager.query(
      `UPDATE trusted_devices SET token_hash = $3, last_used_at = $4, user_agent = $5, ip = $6,
              failed_attempts = 0, locked_until = NULL
        WHERE id = $1 AND token_hash = $2 AND ended_at IS NULL`,
      [device.id, device.tokenHash, next.tokenHash, next.at, next.userAgent, next.ip],
    );
    if (affectedRows(result) === 0) return false;
    await this.linkSession(device.id, next.sessionId, manager);
    await manager.query(
      `INSERT INTO trusted_device_retired_tokens (token_hash, device_id, retired_at) VALUES ($1, $2, $3)`,
      [device.tokenHash, device.id, next.at],
    );
    return true;
  }

  /** The user's active devices, newest first, each with whether it signed in (or was remembered from) `sessionId`. */
  async listActive(
    userId: string,
    now: Date,
    sessionId: string | null,
  ): Promise<(TrustedDevice & { current: boolean })[]> {
    const rows = await this.dataSource.query<(DeviceRow & { current: boolean })[]>(
      `SELECT ${DEVICE_COLUMNS},
              EXISTS (SELECT 1 FROM trusted_device_sessions s WHERE s.device_id = d.id AND s.session_id = $3) AS current
         FROM trusted_devices d
        WHERE d.user_id = $1 AND d.ended_at IS NULL AND d.expires_at > $2 ORDER BY d.created_at DESC, d.id`,
      [userId, now, sessionId],
    );
    return rows.map((row) => ({ ...toDevice(row), current: row.current }));
  }

  /** Ends the user's device `id` (every active one without `id`); the ids ended. */
  async end(
    userId: string,
    reason: string,
    now: Date,
    { id, manager }: { id?: string; manager?: EntityManager } = {},
  ): Promise<string[]> {
    const rows = returnedRows<{ id: string }>(
      await this.q(manager).query(
        `UPDATE trusted_devices SET ended_at = $2, ended_reason = $3
          WHERE user_id = $1 AND ended_at IS NULL AND ($4::uuid IS NULL OR id = $4) RETURNING id`,
        [userId, now, reason, id ?? null],
      ),
    );
    return rows.map((row) => row.id);
  }

  /**
   * Counts a failure on the device's own counter, locked first; a lock that lapsed starts the count
   * again. Whether this failure locked it, and until when it is locked.
   */
  async recordFailure(
    id: string,
    now: Date,
    maxAttempts: number,
    lockMs: number,
    manager: EntityManager,
  ): Promise<{ lockedUntil: Date | null; lockedNow: boolean }> {
    const [row] = await manager.query<{ failed_attempts: number; locked_until: Date | null }[]>(
      `SELECT failed_attempts, locked_until FROM trusted_devices WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (row.locked_until && row.locked_until > now) return { lockedUntil: row.locked_until, lockedNow: false };
    const attempts = (row.locked_until !== null ? 0 : row.failed_attempts) + 1;
    const lockedUntil = attempts >= maxAttempts ? new Date(now.getTime() + lockMs) : null;
    await manager.query(`UPDATE trusted_devices SET failed_attempts = $2, locked_until = $3 WHERE id = $1`, [
      id,
      lockedUntil ? 0 : attempts,
      lockedUntil,
    ]);
    return { lockedUntil, lockedNow: lockedUntil !== null };
  }

  /** Admin unlock: every device of the user starts with a clean counter. */
  async clearLocks(userId: string, manager?: EntityManager): Promise<void> {
    await this.q(manager).query(
      `UPDATE trusted_devices SET failed_attempts = 0, locked_until = NULL WHERE user_id = $1`,
      [userId],
    );
  }

  async deleteAllForUser(userId: string, manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM trusted_devices WHERE user_id = $1`, [userId]);
  }
}
