import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every depth: the same value always serializes the same way. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export interface HashedFields {
  occurredAt: Date;
  type: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

const PREV_HASH_SLOT = '"prevHash":""';

/**
 * The canonical row with an empty `prevHash`, split where the previous hash goes, so that the database
 * can complete the hash once it holds the append lock (audit_append(); the first row's previous hash is
 * 64 zeros). The last `"prevHash":""` is the top-level key: the keys after it (requestId, type,
 * userAgent, userId) hold strings or null, whose quotes are escaped, so the sequence can't occur in them.
 */
export function auditHashParts(fields: HashedFields): { prefix: string; suffix: string } {
  const canonical = canonicalJson({ ...fields, occurredAt: fields.occurredAt.toISOString(), prevHash: '' });
  const slot = canonical.lastIndexOf(PREV_HASH_SLOT) + PREV_HASH_SLOT.length - 1;
  return { prefix: canonical.slice(0, slot), suffix: canonical.slice(slot) };
}

/** SHA-256 over the canonical row and the previous row's hash: editing any row breaks every later link. */
export function auditHash(fields: HashedFields, prevHash: string): string {
  const { prefix, suffix } = auditHashParts(fields);
  return createHash('sha256')
    .update(prefix + prevHash + suffix)
    .digest('hex');
}
