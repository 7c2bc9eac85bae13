import type { FirstFactor } from './auth.service';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { Clock } from '../common/clock/clock';
import { Aal, AALS, Role, Scope, SCOPES } from '../common/auth/auth-user';
import { Config } from '../config/configuration';
import { SigningKeys } from './signing-keys';

export interface AccessClaims {
  sub: string;
  sid: string;
  typ: 'access';
  aal: Aal;
  amr: string[];
  scope: Scope;
  roles: Role[];
  jti: string;
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

/** A pending login's token: accepted only by POST /auth/login/2fa. */
export interface MfaClaims {
  sub: string;
  typ: 'mfa';
  /** The challenge this token stands for. */
  jti: string;
  /** The first factor already given (`pwd` or `email`). */
  amr: [FirstFactor];
  iat: number;
  exp: number;
  iss: string;
  aud: string;
}

export const MFA_TOKEN_TTL_SECONDS = 300;

export type AccessSubject = Pick<AccessClaims, 'sub' | 'sid' | 'aal' | 'amr' | 'scope' | 'roles'>;

/**
 * Access tokens are JWTs (HS256, or ES256 with JWT_PRIVATE_KEY) verified with the algorithm pinned (no `alg: none`, no key confusion) and
 * `iss`/`aud` checked, against the injected clock. Refresh tokens are opaque 256-bit values stored only
 * as SHA-256 hashes.
 */
@Injectable()
export class TokenService {
  private readonly issuer: string;
  private readonly audience: string;
  readonly accessTtlSeconds: number;
  readonly refreshTtlMs: number;
  private readonly successorKey: Buffer;

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
    this.refreshTtlMs = settings.refreshTtlMs;
    this.successorKey = createHmac('sha256', settings.secret).update('refresh-token-successor').digest();
  }

  signAccess(subject: AccessSubject): string {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
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
    const iat = Math.floor(this.clock.now().getTime() / 1000);
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

  async verifyMfa(token: string): Promise<(MfaClaims & { firstFactor: FirstFactor }) | undefined> {
    const claims = await this.verify<MfaClaims>(token);
    if (claims?.typ !== 'mfa' || typeof claims.sub !== 'string' || typeof claims.jti !== 'string') return undefined;
    const [firstFactor] = Array.isArray(claims.amr) ? claims.amr : [];
    return firstFactor === 'pwd' || firstFactor === 'email' ? { ...claims, firstFactor } : undefined;
  }

  private async verify<T extends object>(token: string): Promise<T | undefined> {
    try {
      return await this.jwt.verifyAsync<T>(token, {
        secret: this.keys.verificationKey as string,
        algorithms: [this.keys.algorithm],
        issuer: this.issuer,
        audience: this.audience,
        clockTimestamp: Math.floor(this.clock.now().getTime() / 1000),
      });
    } catch {
      return undefined;
    }
  }

  /** Verified access claims, or undefined for anything else (bad signature, expired, wrong type). */
  async verifyAccess(token: string): Promise<AccessClaims | undefined> {
    const claims = await this.verify<AccessClaims>(token);
    if (!claims) return undefined;
    const valid =
      claims.typ === 'access' &&
      typeof claims.sub === 'string' &&
      typeof claims.sid === 'string' &&
      (AALS as readonly string[]).includes(claims.aal) &&
      (SCOPES as readonly string[]).includes(claims.scope) &&
      Array.isArray(claims.roles);
    return valid ? claims : undefined;
  }

  newRefreshToken(): string {
    return randomBytes(32).toString('base64url');
  }

  /**
   * The token that replaces `token` on rotation. Derived (HMAC under a server key) rather than random, so
   * a benign retry inside the grace window gets the very same successor without it being stored in clear.
   */
  successorOf(token: string): string {
    return createHmac('sha256', this.successorKey).update(token).digest('base64url');
  }

  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }
}
