import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit_append() appends one event to the hash chain in a single round trip: it takes the append lock,
 * reads the last hash and inserts the row with its hash, sha256(prefix || prev_hash || suffix), where the
 * caller passes the canonical row split around the previous hash (see `auditHashParts`). It is VOLATILE,
 * so its read takes a fresh snapshot after the lock is held and always sees the previous append.
 */
export class CreateAuditAppend1763700700000 implements MigrationInterface {
  name = 'CreateAuditAppend1763700700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION audit_append(
        p_occurred_at timestamptz, p_type varchar, p_user_id uuid, p_actor_id varchar, p_ip varchar,
        p_user_agent varchar, p_request_id varchar, p_details jsonb, p_hash_prefix text, p_hash_suffix text
      ) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
      DECLARE prev char(64);
      BEGIN
        PERFORM pg_advisory_xact_lock(2131730641); -- 0x7f0fa0d1, the lock every append has taken
        SELECT e.hash INTO prev FROM audit_events e ORDER BY e.id DESC LIMIT 1;
        prev := coalesce(prev, repeat('0', 64));
        INSERT INTO audit_events (occurred_at, type, user_id, actor_id, ip, user_agent, request_id, details, prev_hash, hash)
        VALUES (p_occurred_at, p_type, p_user_id, p_actor_id, p_ip, p_user_agent, p_request_id, p_details, prev,
                encode(sha256(convert_to(p_hash_prefix || prev || p_hash_suffix, 'UTF8')), 'hex'));
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION audit_append(timestamptz, varchar, uuid, varchar, varchar, varchar, varchar, jsonb, text, text)`,
    );
  }
}
