import { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalEmail, emailSkeleton } from '../src/common/email-address';

const BATCH_SIZE = 5_000;

interface UserRow {
  id: string;
  email: string;
  /** As text: a JavaScript Date would cut the microseconds the next page starts after. */
  created_at: string;
}

/**
 * users.email_skeleton: the confusable skeleton of the email (Unicode TS #39, see `emailSkeleton`),
 * unique, so an account cannot be registered under a look-alike of another's address. Existing
 * accounts get theirs here, oldest first: where two already look alike the older keeps the skeleton
 * and the younger is left NULL (it still signs in; only new look-alikes are refused). Existing emails
 * are also put in NFC, the form logins now look up, unless that would collide with another account.
 * Deleted accounts (their email scrubbed) have none.
 */
export class EmailSkeleton1763700900000 implements MigrationInterface {
  name = 'EmailSkeleton1763700900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN email_skeleton text`);
    const taken = new Set<string>();
    let after: UserRow | undefined;
    for (;;) {
      const rows = (await queryRunner.query(
        `SELECT id, email, created_at::text AS created_at FROM users
          WHERE deleted_at IS NULL AND ($1::timestamptz IS NULL OR (created_at, id) > ($1, $2::uuid))
          ORDER BY created_at, id LIMIT ${BATCH_SIZE}`,
        [after?.created_at ?? null, after?.id ?? null],
      )) as UserRow[];
      if (rows.length === 0) break;
      const ids: string[] = [];
      const skeletons: string[] = [];
      for (const row of rows) {
        const email = canonicalEmail(row.email);
        if (email !== row.email) await this.putInNfc(queryRunner, row.id, email);
        const skeleton = emailSkeleton(email);
        if (taken.has(skeleton)) continue;
        taken.add(skeleton);
        ids.push(row.id);
        skeletons.push(skeleton);
      }
      await queryRunner.query(
        `UPDATE users u SET email_skeleton = s.skeleton
           FROM unnest($1::uuid[], $2::text[]) AS s(id, skeleton) WHERE u.id = s.id`,
        [ids, skeletons],
      );
      after = rows[rows.length - 1];
    }
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_skeleton_key ON users (email_skeleton)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_email_skeleton_key`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN email_skeleton`);
  }

  /** Few rows if any: only emails stored before registration put them in NFC. */
  private async putInNfc(queryRunner: QueryRunner, id: string, email: string): Promise<void> {
    await queryRunner.query(
      `UPDATE users SET email = $2
        WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users other WHERE lower(other.email) = lower($2) AND other.id <> $1)`,
      [id, email],
    );
  }
}
