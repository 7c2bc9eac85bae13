import { randomUUID } from 'node:crypto';
import { evaluateFlag, FlagSubject, FlagTargeting, stickyBucket } from './flag-evaluation';

const KEY = 'passwordless_auth';
const users: FlagSubject[] = Array.from({ length: 1000 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  roles: ['user'],
}));

const flag = (overrides: Partial<FlagTargeting> = {}): FlagTargeting => ({
  enabled: true,
  rolloutPercent: 0,
  roles: [],
  allowEmails: [],
  ...overrides,
});

const onFor = (targeting: FlagTargeting, key = KEY): string[] =>
  users.filter((user) => evaluateFlag(key, targeting, user)).map((user) => user.id);

describe('stickyBucket', () => {
  it('puts every user in a bucket from 0 to 99, the same one every time', () => {
    for (const user of users) {
      const bucket = stickyBucket(KEY, user.id);
      expect(Number.isInteger(bucket)).toBe(true);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
      expect(stickyBucket(KEY, user.id)).toBe(bucket);
    }
  });

  it('gives the same user different buckets under different flags', () => {
    const same = users.filter((user) => stickyBucket('passwordless_auth', user.id) === stickyBucket('other', user.id));
    // Independent buckets agree about 1% of the time; identical hashing would agree always.
    expect(same.length).toBeLessThan(50);
  });
});

describe('evaluateFlag', () => {
  it('turns a 5% rollout on for between 2% and 8% of 1,000 users, the same set on re-evaluation', () => {
    const first = onFor(flag({ rolloutPercent: 5 }));
    expect(first.length).toBeGreaterThanOrEqual(20);
    expect(first.length).toBeLessThanOrEqual(80);
    expect(onFor(flag({ rolloutPercent: 5 }))).toEqual(first);
  });

  it('keeps the users of a smaller rollout when the percentage grows', () => {
    const five = onFor(flag({ rolloutPercent: 5 }));
    const twentyFive = onFor(flag({ rolloutPercent: 25 }));
    expect(twentyFive).toEqual(expect.arrayContaining(five));
    expect(twentyFive.length).toBeGreaterThan(five.length);
  });

  it('is on for nobody at 0% and for everybody at 100%', () => {
    expect(onFor(flag({ rolloutPercent: 0 }))).toEqual([]);
    expect(onFor(flag({ rolloutPercent: 100 }))).toHaveLength(1000);
  });

  it('picks a different 5% for a different flag', () => {
    const a = onFor(flag({ rolloutPercent: 5 }), 'passwordless_auth');
    const b = onFor(flag({ rolloutPercent: 5 }), 'mfa_enforcement');
    const overlap = a.filter((id) => b.includes(id));
    expect(overlap.length).toBeLessThan(Math.min(a.length, b.length) / 2);
  });

  it('is on for allow-listed emails whatever their case, and only for them', () => {
    const targeting = flag({ allowEmails: ['ops.lead@example.com'] });
    const id = randomUUID();
    expect(evaluateFlag(KEY, targeting, { id, email: 'Ops.Lead@EXAMPLE.com', roles: ['user'] })).toBe(true);
    expect(evaluateFlag(KEY, targeting, { id, email: 'someone@example.com', roles: ['user'] })).toBe(false);
    expect(evaluateFlag(KEY, targeting, { id, roles: ['user'] })).toBe(false);
    expect(
      evaluateFlag(KEY, flag({ allowEmails: ['OPS.LEAD@example.com'] }), {
        id,
        email: 'ops.lead@example.com',
        roles: [],
      }),
    ).toBe(true);
  });

  it('is on for every holder of a targeted role and nobody else at 0%', () => {
    const targeting = flag({ roles: ['admin'] });
    expect(evaluateFlag(KEY, targeting, { id: randomUUID(), roles: ['user', 'admin'] })).toBe(true);
    expect(onFor(targeting)).toEqual([]);
  });

  it('is off for everyone when disabled, allow-list, roles and 100% notwithstanding', () => {
    const off = flag({ enabled: false, rolloutPercent: 100, roles: ['admin'], allowEmails: ['a@example.com'] });
    expect(evaluateFlag(KEY, off, { id: randomUUID(), email: 'a@example.com', roles: ['admin'] })).toBe(false);
    expect(onFor(off)).toEqual([]);
    expect(evaluateFlag(KEY, off)).toBe(false);
  });

  it('is on for anonymous callers only when enabled for 100%', () => {
    expect(evaluateFlag(KEY, flag({ rolloutPercent: 100 }))).toBe(true);
    expect(evaluateFlag(KEY, flag({ rolloutPercent: 99, roles: ['user'], allowEmails: ['a@example.com'] }))).toBe(
      false,
    );
  });
});
