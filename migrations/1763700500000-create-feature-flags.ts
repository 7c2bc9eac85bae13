import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateFeatureFlags1763700500000 implements MigrationInterface {
  name = 'CreateFeatureFlags1763700500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE feature_flags (
        key varchar(64) PRIMARY KEY,
        enabled boolean NOT NULL,
        rollout_percent integer NOT NULL CHECK (rollout_percent BETWEEN 0 AND 100),
        roles text[] NOT NULL DEFAULT '{}',
        allow_emails text[] NOT NULL DEFAULT '{}',
        description text NOT NULL DEFAULT '',
        updated_at timestamptz NOT NULL,
        updated_by varchar(64)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE feature_flags`);
  }
}
