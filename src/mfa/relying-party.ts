import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { Config } from '../config/configuration';
import { WebauthnConfig } from '../config/mfa.config';
import type { StoredPasskey } from './passkey.repository';

/** How long a ceremony's challenge stays good (and the browser's timeout for it). */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * The library, loaded by the first ceremony rather than at start: with its certificate and ASN.1
 * parsers it is ~5 MB of heap, which a replica whose users never touch a passkey doesn't hold.
 */
const load = () => import('@simplewebauthn/server');
let library: ReturnType<typeof load> | undefined;
const simpleWebAuthn = () => (library ??= load());

/** An account's WebAuthn user handle: its id's UTF-8 bytes. */
const userHandleBytes = (userId: string) => Buffer.from(userId, 'utf8');

/** Why a response was refused, as the audit trail and the 400 name it. */
export type Refusal = 'origin' | 'rp_id' | 'invalid';

export type RegistrationCheck =
  | {
      ok: true;
      passkey: Pick<StoredPasskey, 'credentialId' | 'publicKey' | 'counter' | 'transports' | 'deviceType' | 'backedUp'>;
    }
  | { ok: false; refusal: Refusal };

export type AssertionCheck =
  { ok: true; counter: number; userVerified: boolean; backedUp: boolean } | { ok: false; refusal: Refusal };

/**
 * This service as a WebAuthn relying party (`WEBAUTHN_RP_ID`, `WEBAUTHN_RP_NAME`, `WEBAUTHN_ORIGINS`):
 * the ceremonies' options and the cryptographic checks of their answers, through `@simplewebauthn/server`.
 * Challenges and counters are the callers' (stored per user and ceremony); this only verifies.
 */
@Injectable()
export class RelyingParty {
  readonly config: WebauthnConfig;

  constructor(config: ConfigService<Config, true>) {
    this.config = config.get('mfa.webauthn', { infer: true });
  }

  /** The user handle of an account's passkeys: its id, as bytes (base64url, as WebAuthn's JSON carries them). */
  static userHandle(userId: string): string {
    return userHandleBytes(userId).toString('base64url');
  }

  /** The challenge a response answers (from its client data), or undefined when that isn't readable. */
  static challengeOf(clientDataJSON: string): string | undefined {
    try {
      const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as { challenge?: unknown };
      return typeof data.challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(data.challenge)
        ? data.challenge
        : undefined;
    } catch {
      return undefined;
    }
  }

  async registrationOptions(
    user: { id: string; email: string },
    exclude: Pick<StoredPasskey, 'credentialId' | 'transports'>[],
  ): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { generateRegistrationOptions } = await simpleWebAuthn();
    return generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.config.rpId,
      userName: user.email,
      userID: new Uint8Array(userHandleBytes(user.id)),
      attestationType: 'none',
      excludeCredentials: exclude.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      timeout: CHALLENGE_TTL_MS,
    });
  }

  /** Options for `navigator.credentials.get()`: the listed passkeys, or any discoverable one when none are. */
  async authenticationOptions(
    allow: Pick<StoredPasskey, 'credentialId' | 'transports'>[] | undefined,
  ): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { generateAuthenticationOptions } = await simpleWebAuthn();
    return generateAuthenticationOptions({
      rpID: this.config.rpId,
      allowCredentials: allow?.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      userVerification: 'preferred',
      timeout: CHALLENGE_TTL_MS,
    });
  }

  /** Checks a registration answer to `challenge`: origin, RP ID, user presence, attestation. */
  async verifyRegistration(response: RegistrationResponseJSON, challenge: string): Promise<RegistrationCheck> {
    const { verifyRegistrationResponse } = await simpleWebAuthn();
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.config.origins,
        expectedRPID: this.config.rpId,
        requireUserVerification: false,
      });
      if (!result.verified) return { ok: false, refusal: 'invalid' };
      const { credential, credentialDeviceType, credentialBackedUp } = result.registrationInfo;
      return {
        ok: true,
        passkey: {
          credentialId: credential.id,
          publicKey: credential.publicKey,
          counter: credential.counter,
          transports: credential.transports ?? [],
          deviceType: credentialDeviceType,
          backedUp: credentialBackedUp,
        },
      };
    } catch (error) {
      return { ok: false, refusal: RelyingParty.refusalOf(error) };
    }
  }

  /**
   * Checks an assertion answering `challenge` with `passkey`'s public key: origin, RP ID, user presence,
   * signature. The counter is only reported: whether it went backwards is the caller's question, asked
   * of a response whose signature holds.
   */
  async verifyAssertion(
    response: AuthenticationResponseJSON,
    challenge: string,
    passkey: Pick<StoredPasskey, 'credentialId' | 'publicKey' | 'transports'>,
  ): Promise<AssertionCheck> {
    const { verifyAuthenticationResponse } = await simpleWebAuthn();
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: this.config.origins,
        expectedRPID: this.config.rpId,
        // 0: the library's own counter check would refuse before the signature is known to hold.
        credential: { id: passkey.credentialId, publicKey: passkey.publicKey, counter: 0 },
        requireUserVerification: false,
      });
      if (!result.verified) return { ok: false, refusal: 'invalid' };
      const info = result.authenticationInfo;
      return { ok: true, counter: info.newCounter, userVerified: info.userVerified, backedUp: info.credentialBackedUp };
    } catch (error) {
      return { ok: false, refusal: RelyingParty.refusalOf(error) };
    }
  }

  private static refusalOf(error: unknown): Refusal {
    const message = error instanceof Error ? error.message : '';
    if (/origin/i.test(message)) return 'origin';
    if (/RP ID/i.test(message)) return 'rp_id';
    return 'invalid';
  }
}
