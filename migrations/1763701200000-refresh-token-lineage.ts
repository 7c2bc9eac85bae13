import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `refresh_tokens.parent_id` stays the lineage of a rotation (a retry within the grace period finds the
 * successor by it) without a foreign key: the key cost a lookup of the parent on every rotation's insert
 * and a trigger query on every token the cleanup deletes (an eighth of the cleanup's time), to keep a
 * pointer whose target the same cleanup deletes anyway. A token whose parent is gone is never looked up
 * by it.
 */
export class RefreshTokenLineage1763701200000 implements MigrationInterface {
  name = 'RefreshTokenLineage1763701200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE refresh_tokens DROP CONSTRAINT refresh_tokens_parent_id_fkey`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE refresh_tokens t SET parent_id = NULL
        WHERE parent_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.id = t.parent_id)`,
    );
    await queryRunner.query(
      `ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_parent_id_fkey
         FOREIGN KEY (parent_id) REFERENCES refresh_tokens (id) ON DELETE SET NULL`,
    );
  }
}
