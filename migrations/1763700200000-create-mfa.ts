import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMfa1763700200000 implements MigrationInterface {
  name = 'CreateMfa1763700200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE mfa_backup_codes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        code_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX mfa_backup_codes_user_hash_key ON mfa_backup_codes (user_id, code_hash)`,
    );
    await queryRunner.query(`
      CREATE TABLE mfa_challenges (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX mfa_challenges_expires_at_idx ON mfa_challenges (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE mfa_challenges`);
    await queryRunner.query(`DROP TABLE mfa_backup_codes`);
  }
}
