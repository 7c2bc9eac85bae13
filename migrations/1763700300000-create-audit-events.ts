import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail is append-only in the database itself: a trigger refuses UPDATE, DELETE and TRUNCATE
 * for every role. The one exception is audit_purge(), the retention purge, which marks its own
 * transaction and may only delete rows older than the cut-off it was given.
 */
export class CreateAuditEvents1763700300000 implements MigrationInterface {
  name = 'CreateAuditEvents1763700300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        type varchar(64) NOT NULL,
        user_id uuid,
        actor_id varchar(64),
        ip varchar(64),
        user_agent varchar(256),
        request_id varchar(128),
        details jsonb NOT NULL DEFAULT '{}',
        prev_hash char(64) NOT NULL,
        hash char(64) NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX audit_events_user_idx ON audit_events (user_id, id)`);
    await queryRunner.query(`CREATE INDEX audit_events_type_idx ON audit_events (type, id)`);
    await queryRunner.query(`CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at)`);
    await queryRunner.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('twofold.audit_purge_before', true) IS NOT NULL
           AND current_setting('twofold.audit_purge_before', true) <> ''
           AND OLD.occurred_at < current_setting('twofold.audit_purge_before', true)::timestamptz THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    await queryRunner.query(`
      CREATE FUNCTION audit_purge(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
      DECLARE deleted bigint;
      BEGIN
        PERFORM set_config('twofold.audit_purge_before', before::text, true);
        DELETE FROM audit_events WHERE occurred_at < before;
        GET DIAGNOSTICS deleted = ROW_COUNT;
        PERFORM set_config('twofold.audit_purge_before', '', true);
        RETURN deleted;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION audit_purge(timestamptz)`);
    await queryRunner.query(`DROP TABLE audit_events`);
    await queryRunner.query(`DROP FUNCTION audit_events_append_only()`);
  }
}
