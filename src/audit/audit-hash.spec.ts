import { createHash } from 'node:crypto';
import { auditHash, auditHashParts, canonicalJson, HashedFields } from './audit-hash';

const GENESIS_HASH = '0'.repeat(64);

const event: HashedFields = {
  occurredAt: new Date('2026-01-01T00:00:00Z'),
  type: 'login.succeeded',
  userId: 'u1',
  actorId: 'u1',
  ip: '127.0.0.1',
  userAgent: 'ua',
  requestId: 'r1',
  details: { b: 1, a: { d: [2, 1], c: null } },
};

describe('audit hashing', () => {
  it('serializes objects the same way whatever the key order', () => {
    expect(canonicalJson({ b: 1, a: { y: 2, x: [3, { q: 1, p: 2 }] } })).toBe(
      '{"a":{"x":[3,{"p":2,"q":1}],"y":2},"b":1}',
    );
  });

  it('chains: the hash depends on every field and on the previous hash', () => {
    const first = auditHash(event, GENESIS_HASH);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(auditHash({ ...event, details: { a: { c: null, d: [2, 1] }, b: 1 } }, GENESIS_HASH)).toBe(first);
    expect(auditHash({ ...event, type: 'login.failed' }, GENESIS_HASH)).not.toBe(first);
    expect(auditHash(event, first)).not.toBe(first);
  });

  it('splits the row around the previous hash, wherever the same text appears in other fields', () => {
    const prevHash = 'ab'.repeat(32);
    const tricky: HashedFields = {
      ...event,
      userAgent: '"prevHash":""',
      requestId: 'x","prevHash":"',
      details: { prevHash: '', nested: { prevHash: '"prevHash":""' } },
    };
    for (const fields of [event, tricky]) {
      const { prefix, suffix } = auditHashParts(fields);
      const whole = canonicalJson({ ...fields, occurredAt: fields.occurredAt.toISOString(), prevHash });
      expect(prefix + prevHash + suffix).toBe(whole);
      expect(auditHash(fields, prevHash)).toBe(createHash('sha256').update(whole).digest('hex'));
    }
  });
});
