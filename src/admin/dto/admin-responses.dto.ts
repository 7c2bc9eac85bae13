export class AuditEventDto {
  id: string;
  occurredAt: Date;
  /** Dotted lowercase, e.g. `login.failed`. */
  type: string;
  userId: string | null;
  /** Who acted: the user, an admin's id, or `cli`. */
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export class AuditPageDto {
  /** Newest first. */
  items: AuditEventDto[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

export class AuditVerifyDto {
  /** True when every row's hash and link to the previous row hold. */
  ok: boolean;
  /** Rows checked (before the first bad one). */
  checked: number;
  /** The first row that doesn't hold; null when ok. */
  firstBadId: string | null;
}

export class AdminStatsDto {
  /** Accounts (not deleted). */
  users: number;
  mfaEnabledUsers: number;
  /** mfaEnabledUsers / users, 0 to 1 (0 without users). */
  mfaAdoptionRate: number;
  /** Accounts with at least one passkey. */
  passkeyUsers: number;
  /** passkeyUsers / users, 0 to 1 (0 without users). */
  passkeyAdoptionRate: number;
  /** Accounts locked right now. */
  lockedUsers: number;
  /** Backup codes used in the last 24 hours. */
  backupCodesUsed24h: number;
  /** `login.failed` events in the last 24 hours. */
  failedLogins24h: number;
  activeSessions: number;
}
