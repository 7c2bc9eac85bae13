import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every refresh token by its session. Deleting a session cascades to its tokens, and without this
 * index each deleted session scanned the whole refresh_tokens table (the partial active index only
 * covers unused tokens): the cleanup of a million ended sessions took hours instead of seconds.
 * Built CONCURRENTLY, outside a transaction, so a live database keeps serving logins meanwhile.
 */
export class IndexRefreshTokensSession1763700600000 implements MigrationInterface {
  name = 'IndexRefreshTokensSession1763700600000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    // A concurrent build that failed leaves an invalid index behind; drop it so a retry starts clean.
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_session_idx`);
    await queryRunner.query(`CREATE INDEX CONCURRENTLY refresh_tokens_session_idx ON refresh_tokens (session_id)`);
  }

  // Plain DROP: TypeORM reverts inside a transaction whatever `transaction` says.
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS refresh_tokens_session_idx`);
  }
}
