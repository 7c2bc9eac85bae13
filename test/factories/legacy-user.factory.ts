import { DataSource } from 'typeorm';

/** The schema as the release before `migration` left it: that migration and every later one undone. */
export async function undoMigrationsFrom(dataSource: DataSource, migration: string): Promise<void> {
  const applied = async () =>
    (await dataSource.query(`SELECT name FROM migrations`)).some((row: { name: string }) => row.name === migration);
  while (await applied()) await dataSource.undoLastMigration();
}

export interface LegacyUser {
  email: string;
  passwordHash: string;
  createdAt: string;
  deleted?: boolean;
}

/**
 * A user row as a release before email skeletons wrote it: the email exactly as typed (NFC or not),
 * no skeleton, and look-alikes of other accounts' emails let in. Returns its id.
 */
export async function insertLegacyUser(dataSource: DataSource, user: LegacyUser): Promise<string> {
  const [{ id }] = await dataSource.query(
    `INSERT INTO users (email, password_hash, created_at, deleted_at) VALUES ($1, $2, $3, $4) RETURNING id`,
    [user.email, user.passwordHash, user.createdAt, user.deleted ? user.createdAt : null],
  );
  return id as string;
}
