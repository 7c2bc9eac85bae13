import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, createPrivateKey, createPublicKey, createSecretKey, JsonWebKey, KeyObject } from 'node:crypto';
import { Config } from '../config/configuration';

export type SigningAlgorithm = 'HS256' | 'ES256';

export interface PublicJwk extends JsonWebKey {
  kty: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
}

/** RFC 7638 thumbprint of an EC public key: a stable key id. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/**
 * The keys access tokens are signed and verified with: HS256 with JWT_SECRET, or ES256 with
 * JWT_PRIVATE_KEY (EC P-256), whose public half is published at /.well-known/jwks.json.
 */
@Injectable()
export class SigningKeys {
  readonly algorithm: SigningAlgorithm;
  readonly signingKey: string | KeyObject;
  readonly verificationKey: string | KeyObject;
  readonly keyId: string | undefined;
  readonly publicJwk: PublicJwk | undefined;

  constructor(config: ConfigService<Config, true>) {
    const jwt = config.get('jwt', { infer: true });
    if (!jwt.privateKey) {
      // A KeyObject made once: given the string, jsonwebtoken rebuilds the key on every sign and verify.
      const secret = createSecretKey(Buffer.from(jwt.secret));
      this.algorithm = 'HS256';
      this.signingKey = secret;
      this.verificationKey = secret;
      return;
    }
    const privateKey = createPrivateKey(jwt.privateKey);
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    this.algorithm = 'ES256';
    this.signingKey = privateKey;
    this.verificationKey = publicKey;
    this.keyId = thumbprint(jwk);
    this.publicJwk = { ...jwk, kty: jwk.kty ?? 'EC', kid: this.keyId, alg: 'ES256', use: 'sig' };
  }
}
