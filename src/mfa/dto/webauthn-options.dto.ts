/**
 * The options the ceremonies start from, as `@simplewebauthn/server` writes them (WebAuthn Level 3's
 * `PublicKeyCredential*OptionsJSON`): documentation of the JSON, handed to `@simplewebauthn/browser` as is.
 */
export class RelyingPartyDto {
  /** `WEBAUTHN_RP_ID`. */
  id: string;
  /** `WEBAUTHN_RP_NAME`. */
  name: string;
}

export class WebauthnUserDto {
  /** The user handle: the account id, base64url. */
  id: string;
  /** The account's email. */
  name: string;
  displayName: string;
}

export class CredentialParameterDto {
  type: 'public-key';
  /** A COSE algorithm: -8 EdDSA, -7 ES256, -257 RS256. */
  alg: number;
}

export class CredentialDescriptorDto {
  /** A credential id, base64url. */
  id: string;
  type: 'public-key';
  transports?: string[];
}

export class AuthenticatorSelectionDto {
  residentKey?: 'discouraged' | 'preferred' | 'required';
  requireResidentKey?: boolean;
  userVerification?: 'discouraged' | 'preferred' | 'required';
  authenticatorAttachment?: 'platform' | 'cross-platform';
}

export class CreationOptionsDto {
  /** Single use, kept server-side for 5 minutes, for this user's registration only. */
  challenge: string;
  rp: RelyingPartyDto;
  user: WebauthnUserDto;
  pubKeyCredParams: CredentialParameterDto[];
  /** Milliseconds. */
  timeout?: number;
  /** The user's passkeys: an authenticator holding one can't register again. */
  excludeCredentials?: CredentialDescriptorDto[];
  authenticatorSelection?: AuthenticatorSelectionDto;
  attestation?: 'none' | 'direct' | 'enterprise' | 'indirect';
  /** Asks for `credProps`, so the answer says whether the passkey is discoverable. */
  extensions?: Record<string, unknown>;
}

export class RequestOptionsDto {
  /** Single use, kept server-side for 5 minutes, for this flow (and the pending login's user) only. */
  challenge: string;
  rpId?: string;
  /** Milliseconds. */
  timeout?: number;
  /** The account's passkeys for a second factor; absent for passwordless (any discoverable passkey). */
  allowCredentials?: CredentialDescriptorDto[];
  userVerification?: 'discouraged' | 'preferred' | 'required';
}
