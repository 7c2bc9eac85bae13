import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Remembered browsers ("don't ask for a code here for 30 days"): each holds one current token (stored as
 * a hash) and its own failure counter; the tokens it held before are kept as hashes so that one coming
 * back (a copy) ends the device.
 */
export class CreateTrustedDevices1763701100000 implements MigrationInterface {
  name = 'CreateTrustedDevices1763701100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE trusted_devices (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz,
        expires_at timestamptz NOT NULL,
        user_agent text,
        ip text,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        ended_at timestamptz,
        ended_reason text
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX trusted_devices_token_hash_key ON trusted_devices (token_hash)`);
    await queryRunner.query(`CREATE INDEX trusted_devices_user_id_idx ON trusted_devices (user_id)`);
    // The sessions each device signed in (or was remembered from): GET /devices marks those `current`.
    await queryRunner.query(`
      CREATE TABLE trusted_device_sessions (
        session_id uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        device_id uuid NOT NULL REFERENCES trusted_devices (id) ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE INDEX trusted_device_sessions_device_idx ON trusted_device_sessions (device_id)`);
    await queryRunner.query(`
      CREATE TABLE trusted_device_retired_tokens (
        token_hash char(64) PRIMARY KEY,
        device_id uuid NOT NULL REFERENCES trusted_devices (id) ON DELETE CASCADE,
        retired_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX trusted_device_retired_tokens_device_idx ON trusted_device_retired_tokens (device_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE trusted_device_retired_tokens`);
    await queryRunner.query(`DROP TABLE trusted_device_sessions`);
    await queryRunner.query(`DROP TABLE trusted_devices`);
  }
}
