import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** Arbitrary but fixed: serializes appends so the hash chain never forks. */
const AUDIT_APPEND_LOCK = 0x7f0f_a0d1;

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

  /** Takes the append lock for the rest of the transaction and answers the last hash. */
  async lockAndReadLastHash(manager: EntityManager): Promise<string | undefined> {
    await manager.query(`SELECT pg_advisory_xact_lock($1)`, [AUDIT_APPEND_LOCK]);
    const [last] = await manager.query<{ hash: string }[]>(`SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1`);
    return last?.hash;
  }

  async insert(row: Omit<AuditRow, 'id'>, manager: EntityManager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (occurred_at, type, user_id, actor_id, ip, user_agent, request_id, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        row.occurred_at,
        row.type,
        row.user_id,
        row.actor_id,
        row.ip,
        row.user_agent,
        row.request_id,
        JSON.stringify(row.details),
        row.prev_hash,
        row.hash,
      ],
    );
  }

  /** Rows in chain order after `afterId`, a batch at a time. */
  batchAfter(afterId: string, limit: number, manager: EntityManager): Promise<AuditRow[]> {
    return manager.query(`SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2`, [afterId, limit]);
  }
}
