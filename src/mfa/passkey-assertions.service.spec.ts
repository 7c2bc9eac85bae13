import { SoftAuthenticator } from '../../test/support/soft-authenticator';
import { configOf } from '../../test/support/unit-mocks';
import { AuditService } from '../audit/audit.service';
import { AuthMetrics } from '../metrics/auth-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { PasskeyAssertions } from './passkey-assertions.service';
import { Ceremony, PasskeyRepository, StoredPasskey } from './passkey.repository';
import { RelyingParty } from './relying-party';

const RP_ID = 'auth.example.test';
const ORIGIN = 'https://auth.example.test';
const USER = '7d3c1f0e-2b4a-4c5d-8e6f-0a1b2c3d4e5f';
const NOW = new Date('2026-03-01T12:00:00Z');

/** The two tables as maps: the specs read what a statement would have left behind. */
class MemoryPasskeys {
  readonly challenges = new Map<string, { ceremony: Ceremony; userId: string | null; expiresAt: Date }>();
  readonly passkeys = new Map<string, StoredPasskey>();

  saveChallenge = jest.fn(
    (challenge: string, ceremony: Ceremony, userId: string | null, _now: Date, expiresAt: Date) => {
      this.challenges.set(challenge, { ceremony, userId, expiresAt });
      return Promise.resolve();
    },
  );

  claimChallenge = jest.fn((challenge: string, ceremony: Ceremony, userId: string | null, now: Date) => {
    const open = this.challenges.get(challenge);
    if (!open || open.ceremony !== ceremony || open.userId !== userId || open.expiresAt <= now) return false;
    return this.challenges.delete(challenge);
  });

  listForUser = jest.fn((userId: string) => [...this.passkeys.values()].filter((p) => p.userId === userId));

  findByCredentialId = jest.fn((id: string) => [...this.passkeys.values()].find((p) => p.credentialId === id));

  recordUse = jest.fn((id: string, use: { previousCounter: number; counter: number; at: Date }) => {
    const passkey = this.passkeys.get(id);
    if (!passkey || passkey.counter !== use.previousCounter) return false;
    this.passkeys.set(id, { ...passkey, counter: use.counter, lastUsedAt: use.at });
    return true;
  });
}

describe('PasskeyAssertions', () => {
  let store: MemoryPasskeys;
  let audit: { record: jest.Mock };
  let rp: RelyingParty;
  let assertions: PasskeyAssertions;
  let authenticator: SoftAuthenticator;
  let passkey: StoredPasskey;

  beforeEach(async () => {
    store = new MemoryPasskeys();
    audit = { record: jest.fn() };
    rp = new RelyingParty(configOf({ mfa: { webauthn: { rpId: RP_ID, rpName: 'Twofold', origins: [ORIGIN] } } }));
    const clock = { now: () => NOW };
    const metrics = new AuthMetrics(new MetricsService());
    assertions = new PasskeyAssertions(
      store as unknown as PasskeyRepository,
      rp,
      audit as unknown as AuditService,
      metrics,
      clock,
    );
    authenticator = new SoftAuthenticator(RP_ID, ORIGIN);
    const options = await rp.registrationOptions({ id: USER, email: 'ada@example.test' }, []);
    const registered = await rp.verifyRegistration(authenticator.register(options.challenge), options.challenge);
    if (!registered.ok) throw new Error(`registration failed: ${registered.refusal}`);
    passkey = {
      ...registered.passkey,
      id: 'passkey-1',
      userId: USER,
      name: 'Passkey',
      createdAt: NOW,
      lastUsedAt: null,
    };
    store.passkeys.set(passkey.id, passkey);
  });

  async function secondFactorChallenge(): Promise<string> {
    return (await assertions.secondFactorOptions(USER)).challenge;
  }

  it('accepts a signed answer to an open challenge once, and moves the counter forward', async () => {
    const challenge = await secondFactorChallenge();
    const answer = authenticator.authenticate(challenge);
    expect(await assertions.verify('second_factor', answer, passkey)).toEqual({ ok: true, userVerified: true });
    expect(store.passkeys.get(passkey.id)).toEqual(expect.objectContaining({ counter: 1, lastUsedAt: NOW }));

    const replayed = await assertions.verify('second_factor', answer, store.passkeys.get(passkey.id) as StoredPasskey);
    expect(replayed).toEqual({ ok: false, result: 'invalid_challenge' });
  });

  it('names the user’s passkeys in the options, and refuses a user without one', async () => {
    const options = await assertions.secondFactorOptions(USER);
    expect(options.allowCredentials).toEqual([
      { id: passkey.credentialId, type: 'public-key', transports: ['internal'] },
    ]);
    expect(options.rpId).toBe(RP_ID);
    await expect(assertions.secondFactorOptions('someone-else')).rejects.toMatchObject({ code: 'passkey_not_found' });
  });

  it('refuses a counter that does not move forward as a cloned authenticator, and audits it', async () => {
    await assertions.verify(
      'second_factor',
      authenticator.authenticate(await secondFactorChallenge(), { counter: 5 }),
      passkey,
    );
    const current = store.passkeys.get(passkey.id) as StoredPasskey;
    for (const counter of [5, 3]) {
      const answer = authenticator.authenticate(await secondFactorChallenge(), { counter });
      expect(await assertions.verify('second_factor', answer, current)).toEqual({
        ok: false,
        result: 'clone_suspected',
      });
    }
    expect(audit.record).toHaveBeenLastCalledWith({
      type: 'webauthn.clone_suspected',
      userId: USER,
      details: { passkeyId: passkey.id, flow: 'second_factor', storedCounter: 5, receivedCounter: 3 },
    });
    expect(store.passkeys.get(passkey.id)?.counter).toBe(5);
  });

  it('accepts authenticators that keep their counter at 0', async () => {
    for (let round = 0; round < 2; round++) {
      const answer = authenticator.authenticate(await secondFactorChallenge(), { counter: 0 });
      expect(await assertions.verify('second_factor', answer, passkey)).toEqual({ ok: true, userVerified: true });
    }
  });

  it('takes a challenge only for the flow and the user it was issued to', async () => {
    const passwordless = (await assertions.passwordlessOptions()).challenge;
    expect(await assertions.verify('second_factor', authenticator.authenticate(passwordless), passkey)).toEqual({
      ok: false,
      result: 'invalid_challenge',
    });
    const other = new SoftAuthenticator(RP_ID, ORIGIN);
    store.passkeys.set('passkey-2', {
      ...passkey,
      id: 'passkey-2',
      userId: 'another-user',
      credentialId: other.credentialId,
    });
    const mine = await secondFactorChallenge();
    expect(
      await assertions.verify(
        'second_factor',
        other.authenticate(mine),
        store.passkeys.get('passkey-2') as StoredPasskey,
      ),
    ).toEqual({ ok: false, result: 'invalid_challenge' });
  });

  it('refuses an expired challenge', async () => {
    const challenge = await secondFactorChallenge();
    const open = store.challenges.get(challenge);
    store.challenges.set(challenge, { ...open!, expiresAt: NOW });
    expect(await assertions.verify('second_factor', authenticator.authenticate(challenge), passkey)).toEqual({
      ok: false,
      result: 'invalid_challenge',
    });
  });

  it('refuses another origin, a bad signature and a foreign user handle', async () => {
    const fromElsewhere = authenticator.authenticate(await secondFactorChallenge(), {
      origin: 'https://login.auth.example.test',
    });
    expect(await assertions.verify('second_factor', fromElsewhere, passkey)).toEqual({ ok: false, result: 'failure' });

    const forged = authenticator.authenticate(await secondFactorChallenge());
    forged.response.signature = authenticator.authenticate('c2lnbmVkLWVsc2V3aGVyZS0xMjM0NTY3OA').response.signature;
    expect(await assertions.verify('second_factor', forged, passkey)).toEqual({ ok: false, result: 'failure' });

    const passwordless = (await assertions.passwordlessOptions()).challenge;
    const foreign = authenticator.authenticate(passwordless, { userHandle: RelyingParty.userHandle('another-user') });
    expect(await assertions.verify('passwordless', foreign, passkey)).toEqual({ ok: false, result: 'failure' });
  });

  it('reports whether the authenticator verified its user in a passwordless sign-in', async () => {
    const handle = RelyingParty.userHandle(USER);
    const verified = authenticator.authenticate((await assertions.passwordlessOptions()).challenge, {
      userHandle: handle,
    });
    expect(await assertions.verify('passwordless', verified, passkey)).toEqual({ ok: true, userVerified: true });
    const presenceOnly = authenticator.authenticate((await assertions.passwordlessOptions()).challenge, {
      userHandle: handle,
      userVerified: false,
    });
    const current = store.passkeys.get(passkey.id) as StoredPasskey;
    expect(await assertions.verify('passwordless', presenceOnly, current)).toEqual({ ok: true, userVerified: false });
  });

  it('finds a credential only by an id that matches its raw id, and only the pending user’s', async () => {
    const answer = authenticator.authenticate(await secondFactorChallenge());
    expect(await assertions.findCredential('second_factor', answer, USER)).toEqual(passkey);
    expect(await assertions.findCredential('second_factor', answer, 'another-user')).toBeUndefined();
    expect(await assertions.findCredential('passwordless', { ...answer, rawId: 'QUJD' })).toBeUndefined();
  });
});

describe('RelyingParty', () => {
  const rp = new RelyingParty(configOf({ mfa: { webauthn: { rpId: RP_ID, rpName: 'Twofold', origins: [ORIGIN] } } }));

  it('verifies a registration from its origin for its RP ID, and names why it refuses others', async () => {
    const options = await rp.registrationOptions({ id: USER, email: 'ada@example.test' }, []);
    expect(options.user).toEqual({ id: RelyingParty.userHandle(USER), name: 'ada@example.test', displayName: '' });
    expect(options.authenticatorSelection).toEqual(
      expect.objectContaining({ residentKey: 'preferred', userVerification: 'preferred' }),
    );
    const good = new SoftAuthenticator(RP_ID, ORIGIN);
    expect(await rp.verifyRegistration(good.register(options.challenge), options.challenge)).toEqual(
      expect.objectContaining({ ok: true }),
    );
    expect(
      await rp.verifyRegistration(good.register(options.challenge, 'https://evil.example'), options.challenge),
    ).toEqual({ ok: false, refusal: 'origin' });
    const otherRp = new SoftAuthenticator('example.test', ORIGIN);
    expect(await rp.verifyRegistration(otherRp.register(options.challenge), options.challenge)).toEqual({
      ok: false,
      refusal: 'rp_id',
    });
    expect(await rp.verifyRegistration(good.register('b3RoZXItY2hhbGxlbmdlLTEyMzQ1Njc4'), options.challenge)).toEqual({
      ok: false,
      refusal: 'invalid',
    });
  });

  it('reads the challenge out of client data, and nothing out of garbage', () => {
    const challenge = 'Y2hhbGxlbmdlLW9mLXRoaXJ0eS10d28tYnl0ZXMh';
    const clientData = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge })).toString('base64url');
    expect(RelyingParty.challengeOf(clientData)).toBe(challenge);
    expect(RelyingParty.challengeOf('bm90IGpzb24')).toBeUndefined();
    expect(RelyingParty.challengeOf(Buffer.from('{"challenge":"<script>"}').toString('base64url'))).toBeUndefined();
    expect(RelyingParty.challengeOf(Buffer.from('{"challenge":1}').toString('base64url'))).toBeUndefined();
  });
});
