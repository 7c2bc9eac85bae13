import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the two `refresh_tokens` indexes no query uses. The lookups a rotation makes go by `token_hash`
 * (unique), a session's tokens by `refresh_tokens_session_idx`; `refresh_tokens_parent_idx` was there for
 * the dropped foreign key, and the partial `refresh_tokens_active_idx` matches no query's predicate.
 * Every rotation inserted into both and, as the partial index covers `used_at`, marking the old token
 * used could never be a HOT update, so it wrote a new entry into each of the table's five indexes.
 * Without them it can be one (when the row's page has room) and writes none. Dropped CONCURRENTLY,
 * outside a transaction, so a live database keeps rotating meanwhile.
 */
export class RefreshTokenWriteIndexes1763701300000 implements MigrationInterface {
  name = 'RefreshTokenWriteIndexes1763701300000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_parent_idx`);
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_active_idx`);
  }

  // Plain CREATE: TypeORM reverts inside a transaction whatever `transaction` says.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id)`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_active_idx ON refresh_tokens (session_id) WHERE used_at IS NULL AND revoked_at IS NULL`,
    );
  }
}
