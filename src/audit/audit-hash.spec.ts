import { auditHash, canonicalJson, GENESIS_HASH, HashedFields } from './audit-hash';

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
});
