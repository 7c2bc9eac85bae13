import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys: each credential's public key and signature counter (nothing secret), and the single-use
 * challenges of the ceremonies, kept server-side until used or expired.
 */
export class CreateWebauthn1763701000000 implements MigrationInterface {
  name = 'CreateWebauthn1763701000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webauthn_credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        credential_id text NOT NULL,
        public_key bytea NOT NULL,
        counter bigint NOT NULL,
        transports text[] NOT NULL DEFAULT '{}',
        device_type text NOT NULL CHECK (device_type IN ('singleDevice', 'multiDevice')),
        backed_up boolean NOT NULL,
        name text NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX webauthn_credentials_credential_id_key ON webauthn_credentials (credential_id)`,
    );
    await queryRunner.query(`CREATE INDEX webauthn_credentials_user_id_idx ON webauthn_credentials (user_id)`);
    await queryRunner.query(`
      CREATE TABLE webauthn_challenges (
        challenge text PRIMARY KEY,
        ceremony text NOT NULL CHECK (ceremony IN ('registration', 'second_factor', 'passwordless')),
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX webauthn_challenges_expires_at_idx ON webauthn_challenges (expires_at)`);
    await queryRunner.query(`CREATE INDEX webauthn_challenges_user_id_idx ON webauthn_challenges (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webauthn_challenges`);
    await queryRunner.query(`DROP TABLE webauthn_credentials`);
  }
}
