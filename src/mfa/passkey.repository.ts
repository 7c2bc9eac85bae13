import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { affectedRows, returnedRows } from '../database/affected-rows';

/** The ceremonies a challenge is good for: one of them, once. */
export type Ceremony = 'registration' | 'second_factor' | 'passwordless';

/** A stored passkey: its public key and signature counter (nothing secret), and what its owner sees. */
export interface StoredPasskey {
  id: string;
  userId: string;
  /** The authenticator's credential id, base64url. */
  credentialId: string;
  publicKey: Uint8Array<ArrayBuffer>;
  counter: number;
  transports: string[];
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export type NewPasskey = Omit<StoredPasskey, 'id' | 'lastUsedAt'>;

interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: boolean;
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = `id, user_id, credential_id, public_key, counter, transports, device_type, backed_up, name,
  created_at, last_used_at`;

function toPasskey(row: PasskeyRow): StoredPasskey {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: row.transports,
    deviceType: row.device_type,
    backedUp: row.backed_up,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** The `webauthn_credentials` and `webauthn_challenges` tables (the Mfa module's). */
@Injectable()
export class PasskeyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  /** Keeps a ceremony's challenge until `expiresAt`; expired ones of anyone go on the way. */
  async saveChallenge(
    challenge: string,
    ceremony: Ceremony,
    userId: string | null,
    now: Date,
    expiresAt: Date,
  ): Promise<void> {
    await this.dataSource.query(`DELETE FROM webauthn_challenges WHERE expires_at <= $1`, [now]);
    await this.dataSource.query(
      `INSERT INTO webauthn_challenges (challenge, ceremony, user_id, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [challenge, ceremony, userId, now, expiresAt],
    );
  }

  /**
   * Uses the challenge up: true once, for the ceremony and user it was issued to (no user: passwordless),
   * before it expires. One winner under races.
   */
  async claimChallenge(challenge: string, ceremony: Ceremony, userId: string | null, now: Date): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `DELETE FROM webauthn_challenges
        WHERE challenge = $1 AND ceremony = $2 AND user_id IS NOT DISTINCT FROM $3 AND expires_at > $4`,
      [challenge, ceremony, userId, now],
    );
    return affectedRows(result) > 0;
  }

  async listForUser(userId: string, manager?: EntityManager): Promise<StoredPasskey[]> {
    const rows = await this.q(manager).query<PasskeyRow[]>(
      `SELECT ${COLUMNS} FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toPasskey);
  }

  async findByCredentialId(credentialId: string): Promise<StoredPasskey | undefined> {
    const [row] = await this.dataSource.query<PasskeyRow[]>(
      `SELECT ${COLUMNS} FROM webauthn_credentials WHERE credential_id = $1`,
      [credentialId],
    );
    return row && toPasskey(row);
  }

  async countForUser(userId: string, manager?: EntityManager): Promise<number> {
    const [{ count }] = await this.q(manager).query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM webauthn_credentials WHERE user_id = $1`,
      [userId],
    );
    return count;
  }

  /** Users (not deleted) with at least one passkey. */
  async countUsersWithPasskeys(): Promise<number> {
    const [{ count }] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(DISTINCT c.user_id)::int AS count
         FROM webauthn_credentials c JOIN users u ON u.id = c.user_id WHERE u.deleted_at IS NULL`,
    );
    return count;
  }

  /** Stores a new passkey; undefined when the credential id is registered already (to anyone). */
  async insert(passkey: NewPasskey, manager: EntityManager): Promise<StoredPasskey | undefined> {
    const [row] = await manager.query<PasskeyRow[]>(
      `INSERT INTO webauthn_credentials
         (user_id, credential_id, public_key, counter, transports, device_type, backed_up, name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (credential_id) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        passkey.userId,
        passkey.credentialId,
        Buffer.from(passkey.publicKey),
        passkey.counter,
        passkey.transports,
        passkey.deviceType,
        passkey.backedUp,
        passkey.name,
        passkey.createdAt,
      ],
    );
    return row && toPasskey(row);
  }

  /**
   * Records a verified assertion: the new counter and backup state, and the time. False, changing
   * nothing, when the counter moved past `counter` meanwhile (a concurrent assertion of the same key).
   */
  async recordUse(
    id: string,
    use: { previousCounter: number; counter: number; backedUp: boolean; at: Date },
  ): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE webauthn_credentials SET counter = $3, backed_up = $4, last_used_at = $5
        WHERE id = $1 AND counter = $2`,
      [id, use.previousCounter, use.counter, use.backedUp, use.at],
    );
    return affectedRows(result) > 0;
  }

  async rename(userId: string, id: string, name: string): Promise<StoredPasskey | undefined> {
    const [row] = returnedRows<PasskeyRow>(
      await this.dataSource.query(
        `UPDATE webauthn_credentials SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`,
        [id, userId, name],
      ),
    );
    return row && toPasskey(row);
  }

  async remove(userId: string, id: string, manager: EntityManager): Promise<StoredPasskey | undefined> {
    const [row] = returnedRows<PasskeyRow>(
      await manager.query(`DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2 RETURNING ${COLUMNS}`, [
        id,
        userId,
      ]),
    );
    return row && toPasskey(row);
  }

  /** Every passkey and open challenge of the user goes: 2FA off, or the account deleted. */
  async deleteAllForUser(userId: string, manager: EntityManager): Promise<number> {
    await manager.query(`DELETE FROM webauthn_challenges WHERE user_id = $1`, [userId]);
    return affectedRows(await manager.query(`DELETE FROM webauthn_credentials WHERE user_id = $1`, [userId]));
  }
}
