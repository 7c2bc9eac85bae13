import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Aal, Scope } from '../common/auth/auth-user';

export const REVOKE_REASONS = [
  'logout',
  'user_revoked',
  'evicted',
  'password_changed',
  'refresh_reuse',
  'admin_revoked',
  'mfa_disabled',
  'password_reset',
  'account_deleted',
] as const;
export type RevokeReason = (typeof REVOKE_REASONS)[number];

@Entity('sessions')
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'varchar', length: 4 })
  aal: Aal;

  @Column({ type: 'text', array: true })
  amr: string[];

  @Column({ type: 'varchar', length: 20 })
  scope: Scope;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 40, nullable: true })
  revokedReason: RevokeReason | null;
}
