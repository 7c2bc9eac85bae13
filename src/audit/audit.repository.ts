import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared-query';

export interface AuditRow {
  id: string;
  occurred_at: Date;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** A new row: the database completes the chain link (see `auditHashParts`). */
export type AppendedRow = Omit<AuditRow, 'id' | 'prev_hash' | 'hash'> & { hash_prefix: string; hash_suffix: string };

export interface AuditFilter {
  userId?: string;
  type?: string;
  from?: Date;
  to?: Date;
  /** Only rows with a smaller id (the cursor of the previous page). */
  before?: string;
  limit: number;
}

@Injectable()
export class AuditRepository {
  /** Newest first. */
  find(filter: AuditFilter, manager: EntityManager): Promise<AuditRow[]> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.userId) add('user_id = ?', filter.userId);
    if (filter.type) add('type = ?', filter.type);
    if (filter.from) add('occurred_at >= ?', filter.from);
    if (filter.to) add('occurred_at < ?', filter.to);
    if (filter.before) add('id < ?', filter.before);
    params.push(filter.limit);
    return manager.query(
      `SELECT * FROM audit_events ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async countSince(type: string, since: Date, manager: EntityManager): Promise<number> {
    const [row] = await manager.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM audit_events WHERE type = $1 AND occurred_at >= $2`,
      [type, since],
    );
    return row.count;
  }

  /**
   * Appends a row to the chain in one round trip: audit_append() takes the append lock, reads the last
   * hash and stores the row with prev_hash and hash = sha256(hashPrefix || prev_hash || hashSuffix).
   */
  async append(row: AppendedRow, manager: EntityManager): Promise<void> {
    await preparedQuery(manager, 'audit-append', `SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, [
      row.occurred_at,
      row.type,
      row.user_id,
      row.actor_id,
      row.ip,
      row.user_agent,
      row.request_id,
      JSON.stringify(row.details),
      row.hash_prefix,
      row.hash_suffix,
    ]);
  }

  /** Rows in chain order after `afterId`, a batch at a time. */
  batchAfter(afterId: string, limit: number, manager: EntityManager): Promise<AuditRow[]> {
    return manager.query(`SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
  }
}
