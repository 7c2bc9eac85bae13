import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOneTimeTokens1763700400000 implements MigrationInterface {
  name = 'CreateOneTimeTokens1763700400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE one_time_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        purpose varchar(20) NOT NULL CHECK (purpose IN ('magic_link', 'password_reset', 'email_verify')),
        token_hash char(64) NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX one_time_tokens_open_idx ON one_time_tokens (user_id, purpose) WHERE used_at IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX one_time_tokens_expires_at_idx ON one_time_tokens (expires_at)`);
    // When MFA enforcement first applied to the user: the start of their grace period.
    await queryRunner.query(`ALTER TABLE users ADD COLUMN mfa_enforced_since timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN mfa_enforced_since`);
    await queryRunner.query(`DROP TABLE one_time_tokens`);
  }
}
