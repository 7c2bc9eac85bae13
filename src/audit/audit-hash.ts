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

export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 over the canonical row and the previous row's hash: editing any row breaks every later link. */
export function auditHash(fields: HashedFields, prevHash: string): string {
  const canonical = canonicalJson({ ...fields, occurredAt: fields.occurredAt.toISOString(), prevHash });
  return createHash('sha256').update(canonical).digest('hex');
}
