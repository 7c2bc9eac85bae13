import { MigrationInterface, QueryRunner } from 'typeorm';

/** audit_purge() around the statement that deletes: marks its own transaction, counts what went. */
const purgeFunction = (deleteStatement: string) => `
  CREATE OR REPLACE FUNCTION audit_purge(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
  DECLARE deleted bigint;
  BEGIN
    PERFORM set_config('twofold.audit_purge_before', before::text, true);
    ${deleteStatement};
    GET DIAGNOSTICS deleted = ROW_COUNT;
    PERFORM set_config('twofold.audit_purge_before', '', true);
    RETURN deleted;
  END $$`;

/**
 * audit_purge() deletes only a whole prefix of the hash chain: the rows before the first one at or after
 * the cut-off. Rows join the chain in the order they get the append lock, which is not always the order of
 * their timestamps (the clock is read before the lock, and replicas' clocks differ), so deleting every
 * row older than the cut-off could take one out of the middle and break the chain for `audit-verify`.
 * A row older than the cut-off that follows a newer one stays until the purge after that one.
 */
export class AuditPurgeChainPrefix1763700800000 implements MigrationInterface {
  name = 'AuditPurgeChainPrefix1763700800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      purgeFunction(`DELETE FROM audit_events
       WHERE id < coalesce((SELECT min(id) FROM audit_events WHERE occurred_at >= before),
                           (SELECT max(id) + 1 FROM audit_events))`),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(purgeFunction(`DELETE FROM audit_events WHERE occurred_at < before`));
  }
}
