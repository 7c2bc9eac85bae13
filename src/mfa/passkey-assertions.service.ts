import { Injectable } from '@nestjs/common';
import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock/clock';
import { AuthMetrics } from '../metrics/auth-metrics';
import { MfaError, MfaException } from './mfa.exception';
import { PasskeyRepository, StoredPasskey } from './passkey.repository';
import { CHALLENGE_TTL_MS, RelyingParty } from './relying-party';

/** A sign-in with a passkey: as the second factor of a pending login, or alone (passwordless). */
export type AssertionFlow = 'second_factor' | 'passwordless';

export type AssertionOutcome =
  { ok: true; userVerified: boolean } | { ok: false; result: 'failure' | 'invalid_challenge' | 'clone_suspected' };

/**
 * The passkey sign-in ceremonies: their options (a challenge kept 5 minutes for one flow, and for the
 * pending login's user), and the checks of an answer (`RelyingParty`) against the stored passkey, with
 * its signature counter. Every outcome is counted (`auth_webauthn_authentications_total`); what a failure
 * costs (the failure counter) is the caller's, which knows the account.
 */
@Injectable()
export class PasskeyAssertions {
  constructor(
    private readonly passkeys: PasskeyRepository,
    private readonly rp: RelyingParty,
    private readonly audit: AuditService,
    private readonly metrics: AuthMetrics,
    private readonly clock: Clock,
  ) {}

  /** Options naming the user's passkeys, for the pending login of `userId`; 404 when it has none. */
  async secondFactorOptions(userId: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const passkeys = await this.passkeys.listForUser(userId);
    if (passkeys.length === 0) {
      throw new MfaException(MfaError.PasskeyNotFound, 'This account has no passkey: use another second factor');
    }
    return this.challenge(await this.rp.authenticationOptions(passkeys), 'second_factor', userId);
  }

  /** Options without `allowCredentials`: any discoverable passkey of this RP may answer. */
  async passwordlessOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    return this.challenge(await this.rp.authenticationOptions(undefined), 'passwordless', null);
  }

  /**
   * The stored passkey the answer names (for the second factor, only one of `userId`'s); undefined, and
   * counted as `unknown_credential`, when there is none.
   */
  async findCredential(
    flow: AssertionFlow,
    response: AuthenticationResponseJSON,
    userId?: string,
  ): Promise<StoredPasskey | undefined> {
    const passkey = response.id === response.rawId ? await this.passkeys.findByCredentialId(response.id) : undefined;
    if (passkey && (userId === undefined || passkey.userId === userId)) return passkey;
    this.metrics.webauthnAuthentications.inc({ flow, result: 'unknown_credential' });
    return undefined;
  }

  /**
   * Checks an answer made with `passkey`: it must answer an open challenge of this flow (and, for the
   * second factor, of the passkey's user), which it uses up, right or wrong; carry the passkey's user
   * handle when it names one; verify (origin, RP ID, signature); and move the signature counter forward.
   * A counter that does not (with a valid signature) means a cloned authenticator: refused and audited.
   */
  async verify(
    flow: AssertionFlow,
    response: AuthenticationResponseJSON,
    passkey: StoredPasskey,
  ): Promise<AssertionOutcome> {
    const outcome = await this.check(flow, response, passkey);
    this.metrics.webauthnAuthentications.inc({ flow, result: outcome.ok ? 'success' : outcome.result });
    return outcome;
  }

  private async check(
    flow: AssertionFlow,
    response: AuthenticationResponseJSON,
    passkey: StoredPasskey,
  ): Promise<AssertionOutcome> {
    const now = this.clock.now();
    const challenge = RelyingParty.challengeOf(response.response.clientDataJSON);
    const boundTo = flow === 'second_factor' ? passkey.userId : null;
    if (!challenge || !(await this.passkeys.claimChallenge(challenge, flow, boundTo, now))) {
      return { ok: false, result: 'invalid_challenge' };
    }
    const handle = response.response.userHandle;
    if (handle !== undefined && handle !== RelyingParty.userHandle(passkey.userId)) {
      return { ok: false, result: 'failure' };
    }
    const check = await this.rp.verifyAssertion(response, challenge, passkey);
    if (!check.ok) return { ok: false, result: 'failure' };
    const forward = check.counter > passkey.counter || (check.counter === 0 && passkey.counter === 0);
    const recorded =
      forward &&
      (await this.passkeys.recordUse(passkey.id, {
        previousCounter: passkey.counter,
        counter: check.counter,
        backedUp: check.backedUp,
        at: now,
      }));
    if (!recorded) {
      await this.audit.record({
        type: 'webauthn.clone_suspected',
        userId: passkey.userId,
        details: { passkeyId: passkey.id, flow, storedCounter: passkey.counter, receivedCounter: check.counter },
      });
      return { ok: false, result: 'clone_suspected' };
    }
    return { ok: true, userVerified: check.userVerified };
  }

  private async challenge<T extends { challenge: string }>(
    options: T,
    flow: AssertionFlow,
    userId: string | null,
  ): Promise<T> {
    const now = this.clock.now();
    await this.passkeys.saveChallenge(options.challenge, flow, userId, now, new Date(now.getTime() + CHALLENGE_TTL_MS));
    return options;
  }
}
