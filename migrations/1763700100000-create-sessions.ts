import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessions1763700100000 implements MigrationInterface {
  name = 'CreateSessions1763700100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        aal varchar(4) NOT NULL,
        amr text[] NOT NULL,
        scope varchar(20) NOT NULL,
        ip varchar(64),
        user_agent varchar(256),
        revoked_at timestamptz,
        revoked_reason varchar(40)
      )`);
    await queryRunner.query(
      `CREATE INDEX sessions_user_active_idx ON sessions (user_id, created_at) WHERE revoked_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        session_id uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        parent_id uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_active_idx ON refresh_tokens (session_id) WHERE used_at IS NULL AND revoked_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id)`);
    await queryRunner.query(`
      CREATE TABLE password_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        password_hash varchar(100) NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX password_history_user_idx ON password_history (user_id, created_at DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE password_history`);
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE sessions`);
  }
}
