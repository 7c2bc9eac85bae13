import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/clock/clock';
import { currentClient } from '../common/http/request-context';
import { Config } from '../config/configuration';
import { auditHash, auditHashParts, HashedFields } from './audit-hash';
import { AuditFilter, AuditRepository, AuditRow } from './audit.repository';

export interface AuditEvent {
  /** Dotted lowercase, e.g. `login.failed`, `mfa.enabled`. */
  type: string;
  userId?: string | null;
  /** Who acted: the user themself, an admin's id, or `cli`. */
  actorId?: string | null;
  /** Never a password, token, secret or code. */
  details?: Record<string, unknown>;
}

export type AuditEventView = HashedFields & { id: string };

/** A stored row's hashed fields, as they were when it was written. */
function fieldsOf(row: AuditRow): HashedFields {
  return {
    occurredAt: new Date(row.occurred_at),
    type: row.type,
    userId: row.user_id,
    actorId: row.actor_id,
    ip: row.ip,
    userAgent: row.user_agent,
    requestId: row.request_id,
    details: row.details,
  };
}

export interface ChainReport {
  ok: boolean;
  checked: number;
  firstBadId: string | null;
}

const MAX_USER_AGENT = 256;
const VERIFY_BATCH = 1000;

@Injectable()
export class AuditService {
  constructor(
    private readonly audit: AuditRepository,
    private readonly clock: Clock,
    private readonly config: ConfigService<Config, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The retention purge: deletes events older than AUDIT_RETENTION_DAYS through audit_purge(). */
  async purgeExpired(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const days = this.config.get('ops.auditRetentionDays', { infer: true });
    const before = new Date(this.clock.now().getTime() - days * 86_400_000);
    const [{ deleted }] = await manager.query<{ deleted: string }[]>(`SELECT audit_purge($1) AS deleted`, [before]);
    return Number(deleted);
  }

  /** Appends an event; pass the manager of the change it records so both commit or neither does. */
  async record(event: AuditEvent, manager?: EntityManager): Promise<void> {
    if (!manager) return this.dataSource.transaction((own) => this.record(event, own));
    // The request being served, if any: CLI commands and scheduled jobs have none.
    const client = currentClient();
    const fields: HashedFields = {
      occurredAt: this.clock.now(),
      type: event.type,
      userId: event.userId ?? null,
      actorId: event.actorId ?? event.userId ?? null,
      ip: client?.ip?.slice(0, 64) ?? null,
      userAgent: client?.userAgent?.slice(0, MAX_USER_AGENT) ?? null,
      requestId: client?.requestId?.slice(0, 128) ?? null,
      details: event.details ?? {},
    };
    const { prefix, suffix } = auditHashParts(fields);
    await this.audit.append(
      {
        occurred_at: fields.occurredAt,
        type: fields.type,
        user_id: fields.userId,
        actor_id: fields.actorId,
        ip: fields.ip,
        user_agent: fields.userAgent,
        request_id: fields.requestId,
        details: fields.details,
        hash_prefix: prefix,
        hash_suffix: suffix,
      },
      manager,
    );
  }

  /** A page of events, newest first, with the cursor of the next (older) page. */
  async query(filter: AuditFilter): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const rows = await this.audit.find({ ...filter, limit: filter.limit + 1 }, this.dataSource.manager);
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map((row) => ({ id: String(row.id), ...fieldsOf(row) })),
      nextCursor: rows.length > filter.limit ? String(page[page.length - 1].id) : null,
    };
  }

  countSince(type: string, since: Date): Promise<number> {
    return this.audit.countSince(type, since, this.dataSource.manager);
  }

  /** Walks the chain from the first row and names the first row whose link or content doesn't hold. */
  async verifyChain(): Promise<ChainReport> {
    const manager = this.dataSource.manager;
    let checked = 0;
    let previous: AuditRow | undefined;
    let afterId = '0';
    for (;;) {
      const batch = await this.audit.batchAfter(afterId, VERIFY_BATCH, manager);
      if (batch.length === 0) return { ok: true, checked, firstBadId: null };
      for (const row of batch) {
        const expectedPrev = previous?.hash ?? row.prev_hash;
        const recomputed = auditHash(fieldsOf(row), row.prev_hash);
        if (row.prev_hash !== expectedPrev || recomputed !== row.hash)
          return { ok: false, checked, firstBadId: String(row.id) };
        checked++;
        previous = row;
      }
      afterId = String(batch[batch.length - 1].id);
    }
  }
}
