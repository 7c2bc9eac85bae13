import { TestApp } from '../support/test-app';

export interface AuditEdit {
  type?: string;
  details?: Record<string, unknown>;
}

/**
 * An audit row edited after the fact, as someone with direct database access could: the append-only
 * trigger is switched off around the UPDATE, in one transaction. No API can do this; it is the
 * tampering the hash chain (audit-verify) exists to reveal.
 */
export async function tamperWithAuditEvent(t: Pick<TestApp, 'dataSource'>, id: string, edit: AuditEdit): Promise<void> {
  await t.dataSource.transaction(async (manager) => {
    await manager.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change`);
    await manager.query(
      `UPDATE audit_events SET type = coalesce($2, type), details = coalesce($3::jsonb, details) WHERE id = $1`,
      [id, edit.type ?? null, edit.details === undefined ? null : JSON.stringify(edit.details)],
    );
    await manager.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change`);
  });
}
