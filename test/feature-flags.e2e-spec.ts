import { AuditService } from '../src/audit/audit.service';
import {
  FEATURE_FLAG_ERRORS,
  FeatureFlagError,
  FeatureFlagException,
} from '../src/feature-flags/feature-flag.exception';
import { FeatureFlagService } from '../src/feature-flags/feature-flag.service';
import { FlagSubject } from '../src/feature-flags/flag-evaluation';
import { registerAdmin } from './factories/admin.factory';
import { login, registerUser, signedInUser, TestUser } from './factories/user.factory';
import { queriesDuring, storedAuditEvents, storedFeatureFlags } from './support/db-inspect';
import { claimsOf } from './support/jwt';
import { describeOnPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

/** A signed-in user as flags see them: id and roles from the access token. */
async function subjectOf(t: TestApp, user: TestUser): Promise<FlagSubject> {
  const claims = claimsOf((await login(t.http, user)).accessToken);
  return { id: claims.sub, roles: claims.roles };
}

async function rejection(work: Promise<unknown>): Promise<{ code: FeatureFlagError; status: number }> {
  const error = await work.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(FeatureFlagException);
  const { code } = error as FeatureFlagException;
  return { code, status: FEATURE_FLAG_ERRORS.status[code] };
}

const changesOf = async (t: TestApp) =>
  (await storedAuditEvents(t, { type: 'feature_flag.changed' })).map(({ actor_id, user_id, details }) => ({
    actor_id,
    user_id,
    details,
  }));

describe('feature flag defaults', () => {
  it.each([
    ['false', false, 0],
    ['true', true, 100],
  ])('lists every known flag with its default while FEATURE_PASSWORDLESS_AUTH=%s', async (env, enabled, percent) => {
    const t = await startTestApp({ env: { FEATURE_PASSWORDLESS_AUTH: env } });
    try {
      const flags = t.app.get(FeatureFlagService);
      expect(await flags.list()).toEqual([
        {
          key: 'passwordless_auth',
          enabled,
          rolloutPercent: percent,
          roles: [],
          allowEmails: [],
          description: expect.stringContaining('magic link'),
          updatedAt: null,
        },
        expect.objectContaining({ key: 'mfa_enforcement', enabled: false, rolloutPercent: 0, updatedAt: null }),
        expect.objectContaining({ key: 'registration_open', enabled: true, rolloutPercent: 100, updatedAt: null }),
        expect.objectContaining({ key: 'passkey_auth', enabled: false, rolloutPercent: 0, updatedAt: null }),
        expect.objectContaining({ key: 'trusted_devices', enabled: false, rolloutPercent: 0, updatedAt: null }),
      ]);
      expect(await flags.isEnabled('passwordless_auth')).toBe(enabled);
      expect(await storedFeatureFlags(t)).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('feature flags', () => {
  let t: TestApp;
  let flags: FeatureFlagService;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    flags = t.app.get(FeatureFlagService);
    admin = await registerUser(t.http);
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses unknown flags, bad percentages, unknown roles and bad emails, and stores nothing', async () => {
    expect(await rejection(flags.update('no_such_flag', { enabled: true }, admin.id))).toEqual({
      code: FeatureFlagError.UnknownFlag,
      status: 404,
    });
    for (const rolloutPercent of [101, -1, 1.5, Number.NaN]) {
      expect(await rejection(flags.update('passwordless_auth', { enabled: true, rolloutPercent }, admin.id))).toEqual({
        code: FeatureFlagError.InvalidRolloutPercent,
        status: 400,
      });
    }
    expect(await rejection(flags.update('passwordless_auth', { enabled: true, roles: ['root'] }, admin.id))).toEqual({
      code: FeatureFlagError.UnknownRole,
      status: 400,
    });
    for (const email of ['not-an-email', 'a@b', ' spaced@example.com']) {
      expect(
        await rejection(flags.update('passwordless_auth', { enabled: true, allowEmails: [email] }, admin.id)),
      ).toEqual({ code: FeatureFlagError.InvalidEmail, status: 400 });
    }
    const tooMany = Array.from({ length: 1001 }, (_, i) => `user${i}@example.com`);
    expect(
      await rejection(flags.update('passwordless_auth', { enabled: true, allowEmails: tooMany }, admin.id)),
    ).toEqual({ code: FeatureFlagError.TooManyEmails, status: 400 });
    expect(await storedFeatureFlags(t)).toEqual([]);
    expect(await changesOf(t)).toEqual([]);
  });

  it('stores a change with its author and audits the state before and after in the same chain', async () => {
    const view = await flags.update(
      'passwordless_auth',
      {
        enabled: true,
        rolloutPercent: 5,
        roles: ['admin'],
        allowEmails: ['Ops.Lead@Example.com', 'ops.lead@example.com'],
      },
      admin.id,
    );
    const after = { enabled: true, rolloutPercent: 5, roles: ['admin'], allowEmails: ['ops.lead@example.com'] };
    expect(view).toEqual({
      key: 'passwordless_auth',
      ...after,
      description: expect.any(String),
      updatedAt: t.clock.now(),
    });
    expect(await storedFeatureFlags(t)).toEqual([
      expect.objectContaining({
        key: 'passwordless_auth',
        enabled: true,
        rollout_percent: 5,
        roles: ['admin'],
        allow_emails: ['ops.lead@example.com'],
        updated_by: admin.id,
      }),
    ]);

    t.clock.advance(60_000);
    // The kill switch: only `enabled` changes, the targeting stays for when it comes back on.
    expect(await flags.update('passwordless_auth', { enabled: false }, admin.id)).toEqual(
      expect.objectContaining({ ...after, enabled: false, updatedAt: t.clock.now() }),
    );
    expect(await changesOf(t)).toEqual([
      {
        actor_id: admin.id,
        user_id: null,
        details: {
          key: 'passwordless_auth',
          before: { enabled: false, rolloutPercent: 0, roles: [], allowEmails: [] },
          after,
        },
      },
      {
        actor_id: admin.id,
        user_id: null,
        details: { key: 'passwordless_auth', before: after, after: { ...after, enabled: false } },
      },
    ]);
    expect((await flags.list())[0]).toEqual(expect.objectContaining({ enabled: false, updatedAt: t.clock.now() }));
    expect((await t.app.get(AuditService).verifyChain()).ok).toBe(true);
  });

  it('targets real users by allow-listed email and by role, and anonymous callers only at 100%', async () => {
    const listed = await registerUser(t.http);
    const other = await registerUser(t.http);
    const promoted = await registerAdmin(t);
    const [listedSubject, otherSubject, adminSubject] = await Promise.all(
      [listed, other, promoted].map((user) => subjectOf(t, user)),
    );
    expect(otherSubject.roles).toEqual(['user']);
    expect(adminSubject.roles).toEqual(['user', 'admin']);

    await flags.update(
      'mfa_enforcement',
      { enabled: true, rolloutPercent: 0, roles: ['admin'], allowEmails: [listed.email.toUpperCase()] },
      admin.id,
    );
    expect(await flags.isEnabled('mfa_enforcement', listedSubject)).toBe(true);
    expect(await flags.isEnabled('mfa_enforcement', adminSubject)).toBe(true);
    expect(await flags.isEnabled('mfa_enforcement', otherSubject)).toBe(false);
    expect(await flags.isEnabled('mfa_enforcement')).toBe(false);

    await flags.update('mfa_enforcement', { enabled: true, rolloutPercent: 100 }, admin.id);
    expect(await flags.isEnabled('mfa_enforcement', otherSubject)).toBe(true);
    expect(await flags.isEnabled('mfa_enforcement')).toBe(true);

    await flags.update('mfa_enforcement', { enabled: false }, admin.id);
    for (const subject of [listedSubject, adminSubject, otherSubject, undefined]) {
      expect(await flags.isEnabled('mfa_enforcement', subject)).toBe(false);
    }
  });

  it('reads the caller’s email only when the allow-list could switch the flag on', async () => {
    const user = await signedInUser(t.http);
    const subject = { id: user.id, roles: ['user'] };
    /** The reads of the users table while the flag is evaluated for the subject, and the answer. */
    const evaluate = async () => {
      let enabled: boolean | undefined;
      const sql = await queriesDuring(t, async () => {
        enabled = await flags.isEnabled('registration_open', subject);
      });
      return { enabled, userReads: sql.filter((query) => /\bFROM users\b/.test(query)).length };
    };
    try {
      await flags.update('registration_open', { enabled: true, rolloutPercent: 0, allowEmails: [] }, admin.id);
      expect(await evaluate()).toEqual({ enabled: false, userReads: 0 });
      await flags.update('registration_open', { enabled: true, allowEmails: [user.email] }, admin.id);
      expect(await evaluate()).toEqual({ enabled: true, userReads: 1 });
    } finally {
      await flags.update('registration_open', { enabled: true, rolloutPercent: 100, allowEmails: [] }, admin.id);
    }
  });

  it('sees a change made on another replica only once its cache is 5 seconds old, and its own change at once', async () => {
    t.clock.advance(5_001);
    expect(await flags.isSwitchedOn('mfa_enforcement')).toBe(false);
    const replica = await startTestApp({ database: t.database, clock: t.clock });
    try {
      await replica.app
        .get(FeatureFlagService)
        .update('mfa_enforcement', { enabled: true, rolloutPercent: 100 }, admin.id);
    } finally {
      await replica.close();
    }
    expect(await flags.isSwitchedOn('mfa_enforcement')).toBe(false);
    t.clock.advance(4_999);
    expect(await flags.isSwitchedOn('mfa_enforcement')).toBe(false);
    expect(await flags.isEnabled('mfa_enforcement')).toBe(false);
    t.clock.advance(2);
    expect(await flags.isSwitchedOn('mfa_enforcement')).toBe(true);
    expect(await flags.isEnabled('mfa_enforcement')).toBe(true);

    await flags.update('mfa_enforcement', { enabled: false }, admin.id);
    expect(await flags.isSwitchedOn('mfa_enforcement')).toBe(false);
    expect(await flags.isEnabled('mfa_enforcement')).toBe(false);
  });
});

describeOnPostgres('feature flags across replicas', () => {
  it('the kill switch thrown on one replica holds on the other within the cache time', async () => {
    const a = await startTestApp();
    const b = await startTestApp({ database: a.database, clock: a.clock });
    try {
      const admin = await registerUser(a.http);
      const user = await registerUser(a.http);
      const subject = await subjectOf(a, user);
      const [flagsA, flagsB] = [a.app.get(FeatureFlagService), b.app.get(FeatureFlagService)];
      await flagsA.update('passwordless_auth', { enabled: true, rolloutPercent: 100 }, admin.id);
      expect(await flagsB.isEnabled('passwordless_auth', subject)).toBe(true);

      await flagsA.update('passwordless_auth', { enabled: false }, admin.id);
      expect(await flagsA.isEnabled('passwordless_auth', subject)).toBe(false);
      a.clock.advance(4_000);
      expect(await flagsB.isEnabled('passwordless_auth', subject)).toBe(true);
      a.clock.advance(1_001);
      expect(await flagsB.isEnabled('passwordless_auth', subject)).toBe(false);
      expect(await flagsB.isEnabled('passwordless_auth')).toBe(false);
    } finally {
      await b.close();
      await a.close();
    }
  });
});
