import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { Config } from '../config/configuration';
import { SigningKeys } from './signing-keys';
import { AccessClaims, AccessSubject, Claims, FirstFactor, isMfaClaims, MfaClaims } from './token-claims';

export const MFA_TOKEN_TTL_SECONDS = 300;

/**
 * Access and MFA tokens are JWTs (HS256, or ES256 with JWT_PRIVATE_KEY). Access tokens are verified by JwtStrategy;
 * MFA tokens here, the same way: the algorithm pinned (no `alg: none`, no key confusion), `iss`/`aud` checked and
 * every other claim held to its exact shape (`token-claims.ts`) against the injected clock. Refresh tokens are the
 * session's (`RefreshTokens`).
 */
@Injectable()
export class TokenService {
  private readonly issuer: string;
  private readonly audience: string;
  readonly accessTtlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    private readonly clock: Clock,
    private readonly keys: SigningKeys,
    config: ConfigService<Config, true>,
  ) {
    const settings = config.get('jwt', { infer: true });
    this.issuer = settings.issuer;
    this.audience = settings.audience;
    this.accessTtlSeconds = Math.floor(settings.accessTtlMs / 1000);
  }

  signAccess(subject: AccessSubject): string {
    const iat = this.nowSeconds();
    const claims: AccessClaims = {
      ...subject,
      typ: 'access',
      jti: randomUUID(),
      iat,
      exp: iat + this.accessTtlSeconds,
      iss: this.issuer,
      aud: this.audience,
    };
    return this.sign(claims);
  }

  signMfa(userId: string, challengeId: string, firstFactor: FirstFactor): string {
    const iat = this.nowSeconds();
    const claims: MfaClaims = {
      sub: userId,
      typ: 'mfa',
      jti: challengeId,
      amr: [firstFactor],
      iat,
      exp: iat + MFA_TOKEN_TTL_SECONDS,
      iss: this.issuer,
      aud: this.audience,
    };
    return this.sign(claims);
  }

  private sign(claims: AccessClaims | MfaClaims): string {
    return this.jwt.sign(claims, {
      secret: this.keys.signingKey as string,
      algorithm: this.keys.algorithm,
      ...(this.keys.keyId ? { keyid: this.keys.keyId } : {}),
    });
  }

  /** Verified claims of a pending login's token, or undefined for anything else. */
  async verifyMfa(token: string): Promise<(MfaClaims & { firstFactor: FirstFactor }) | undefined> {
    const now = this.nowSeconds();
    const claims = await this.verify(token, now);
    return claims && isMfaClaims(claims, now) ? { ...claims, firstFactor: claims.amr[0] } : undefined;
  }

  private async verify(token: string, now: number): Promise<Claims | undefined> {
    try {
      const claims = await this.jwt.verifyAsync<Claims>(token, {
        secret: this.keys.verificationKey as string,
        algorithms: [this.keys.algorithm],
        issuer: this.issuer,
        audience: this.audience,
        clockTimestamp: now,
        // `nbf` gets the same leeway as `iat`, in hasValidTimes.
        ignoreNotBefore: true,
      });
      return typeof claims === 'object' && claims !== null ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
