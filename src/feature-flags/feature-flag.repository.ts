import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Role } from '../common/auth/auth-user';
import { FlagSettings } from './flags';

/** A stored flag: one exists only once an admin has changed the flag. */
export interface StoredFlag extends FlagSettings {
  key: string;
  updatedAt: Date;
  updatedBy: string | null;
}

interface FlagRow {
  key: string;
  enabled: boolean;
  rollout_percent: number;
  roles: Role[];
  allow_emails: string[];
  updated_at: Date;
  updated_by: string | null;
}

/** Arbitrary but fixed: with the flag key's hash, serializes changes to one flag. */
const FLAG_CHANGE_LOCK = 0x0f1a_6000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS = `key, enabled, rollout_percent, roles, allow_emails, updated_at, updated_by`;

const toStored = (row: FlagRow): StoredFlag => ({
  key: row.key,
  enabled: row.enabled,
  rolloutPercent: row.rollout_percent,
  roles: row.roles,
  allowEmails: row.allow_emails,
  updatedAt: new Date(row.updated_at),
  updatedBy: row.updated_by,
});

@Injectable()
export class FeatureFlagRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  async findAll(manager?: EntityManager): Promise<StoredFlag[]> {
    const rows = await this.q(manager).query<FlagRow[]>(`SELECT ${COLUMNS} FROM feature_flags`);
    return rows.map(toStored);
  }

  /**
   * Locks the flag against other changes for the rest of the transaction and answers its row. An advisory
   * lock rather than FOR UPDATE: it also holds when there is no row yet, so two first changes can't both
   * audit the default as their `before`.
   */
  async lockForChange(key: string, manager: EntityManager): Promise<StoredFlag | null> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [FLAG_CHANGE_LOCK, key]);
    const [row] = await manager.query<FlagRow[]>(`SELECT ${COLUMNS} FROM feature_flags WHERE key = $1`, [key]);
    return row ? toStored(row) : null;
  }

  async upsert(flag: StoredFlag & { description: string }, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO feature_flags (key, enabled, rollout_percent, roles, allow_emails, description, updated_at, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (key) DO UPDATE SET enabled = EXCLUDED.enabled, rollout_percent = EXCLUDED.rollout_percent,
         roles = EXCLUDED.roles, allow_emails = EXCLUDED.allow_emails, description = EXCLUDED.description,
         updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
      [
        flag.key,
        flag.enabled,
        flag.rolloutPercent,
        flag.roles,
        flag.allowEmails,
        flag.description,
        flag.updatedAt,
        flag.updatedBy,
      ],
    );
  }

  /** The email of a live user, for allow-list targeting; null for an unknown, deleted or malformed id. */
  async findUserEmail(userId: string, manager?: EntityManager): Promise<string | null> {
    if (!UUID.test(userId)) return null;
    const [row] = await this.q(manager).query<{ email: string }[]>(
      `SELECT email FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [userId],
    );
    return row?.email ?? null;
  }
}
