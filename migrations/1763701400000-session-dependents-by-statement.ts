import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The two tables that hang off a session, `refresh_tokens` and `trusted_device_sessions`, keep their
 * integrity through statement-level triggers instead of foreign keys. A foreign key's ON DELETE CASCADE
 * runs one query per deleted session and per referencing table: the cleanup of a million ended sessions
 * spent a third of its time there (2.8 s of 4.8 s per 200,000 sessions, both tables empty of them
 * already). Here a DELETE of sessions deletes their dependents in one statement per table, joined to the
 * deleted rows (a transition table, whose row count the planner knows).
 *
 * What the foreign keys guaranteed still holds:
 * - no dependent row without its session: an INSERT is checked at the end of its statement, and takes
 *   the session rows' KEY SHARE lock as the key's check did, so a concurrent DELETE of the session waits
 *   for the insert's commit and then deletes the new row too (the trigger's statement sees it: READ
 *   COMMITTED, the service's only isolation level), or the insert, having waited for the DELETE, finds
 *   the session gone and fails with 23503 like the key did;
 * - a session's id, and the `session_id` of a dependent, can't change: a row trigger refuses it, and
 *   fires only for an UPDATE that names the column (no statement of the service does);
 * - TRUNCATE of sessions (an operator signing everyone out) truncates the dependents too.
 */
export class SessionDependentsByStatement1763701400000 implements MigrationInterface {
  name = 'SessionDependentsByStatement1763701400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_session_id_fkey`);
    await queryRunner.query(
      `ALTER TABLE trusted_device_sessions DROP CONSTRAINT trusted_device_sessions_session_id_fkey`,
    );
    await queryRunner.query(`
      CREATE FUNCTION sessions_delete_dependents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM refresh_tokens t USING ended_sessions e WHERE t.session_id = e.id;
        DELETE FROM trusted_device_sessions t USING ended_sessions e WHERE t.session_id = e.id;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER sessions_delete_dependents AFTER DELETE ON sessions
        REFERENCING OLD TABLE AS ended_sessions
        FOR EACH STATEMENT EXECUTE FUNCTION sessions_delete_dependents()`);
    // TRUNCATE fires no DELETE trigger: it takes the dependents along, as TRUNCATE ... CASCADE did with the keys.
    await queryRunner.query(`
      CREATE FUNCTION sessions_truncate_dependents() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE refresh_tokens, trusted_device_sessions;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER sessions_truncate_dependents AFTER TRUNCATE ON sessions
        FOR EACH STATEMENT EXECUTE FUNCTION sessions_truncate_dependents()`);
    await queryRunner.query(`
      CREATE FUNCTION session_dependents_check() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        orphan uuid;
      BEGIN
        SELECT n.session_id INTO orphan FROM new_dependents n
         WHERE NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = n.session_id FOR KEY SHARE)
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'insert or update on table "%" violates the session reference', TG_TABLE_NAME
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (session_id)=(%s) is not present in table "sessions".', orphan);
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['refresh_tokens', 'trusted_device_sessions']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_session_check AFTER INSERT ON ${table}
          REFERENCING NEW TABLE AS new_dependents
          FOR EACH STATEMENT EXECUTE FUNCTION session_dependents_check()`);
    }
    await queryRunner.query(`
      CREATE FUNCTION session_reference_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the session reference of table "%" can''t change', TG_TABLE_NAME
          USING ERRCODE = 'foreign_key_violation';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER sessions_id_immutable BEFORE UPDATE OF id ON sessions
        FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION session_reference_immutable()`);
    for (const table of ['refresh_tokens', 'trusted_device_sessions']) {
      await queryRunner.query(`
        CREATE TRIGGER ${table}_session_immutable BEFORE UPDATE OF session_id ON ${table}
          FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id)
          EXECUTE FUNCTION session_reference_immutable()`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['refresh_tokens', 'trusted_device_sessions']) {
      await queryRunner.query(`DROP TRIGGER ${table}_session_immutable ON ${table}`);
      await queryRunner.query(`DROP TRIGGER ${table}_session_check ON ${table}`);
    }
    await queryRunner.query(`DROP TRIGGER sessions_id_immutable ON sessions`);
    await queryRunner.query(`DROP TRIGGER sessions_truncate_dependents ON sessions`);
    await queryRunner.query(`DROP TRIGGER sessions_delete_dependents ON sessions`);
    await queryRunner.query(`DROP FUNCTION session_reference_immutable()`);
    await queryRunner.query(`DROP FUNCTION session_dependents_check()`);
    await queryRunner.query(`DROP FUNCTION sessions_truncate_dependents()`);
    await queryRunner.query(`DROP FUNCTION sessions_delete_dependents()`);
    await queryRunner.query(
      `ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_session_id_fkey
         FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE trusted_device_sessions ADD CONSTRAINT trusted_device_sessions_session_id_fkey
         FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE`,
    );
  }
}
