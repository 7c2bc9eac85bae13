import { Injectable, UnauthorizedException } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { AuthUser } from '../../common/auth/auth-user';
import { Clock } from '../../common/clock/clock';
import { Config } from '../../config/configuration';
import { SessionException } from '../../session/session.exception';
import { SessionService } from '../../session/session.service';
import { SigningKeys } from '../../tokens/signing-keys';
import { Claims, isAccessClaims } from '../../tokens/token-claims';
import { accessTokenFromRequest } from './access-token.extractor';

/**
 * The access-token step: passport-jwt checks the signature with the algorithm pinned (no `alg: none`, no
 * key confusion), `iss` and `aud`; `validate` holds the claims to their exact shape and times on the
 * injected clock, then requires a live session.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    keys: SigningKeys,
    config: ConfigService<Config, true>,
    private readonly clock: Clock,
    private readonly sessions: SessionService,
  ) {
    const { issuer, audience } = config.get('jwt', { infer: true });
    super({
      jwtFromRequest: accessTokenFromRequest,
      // A KeyObject, built once: jsonwebtoken takes it as it is (given a string it rebuilds the key on every
      // verify). @types/passport-jwt only knows strings and Buffers.
      secretOrKey: keys.verificationKey as string,
      algorithms: [keys.algorithm],
      issuer,
      audience,
      // jsonwebtoken would judge `exp` and `nbf` by the wall clock; isAccessClaims judges them by ours.
      ignoreExpiration: true,
      jsonWebTokenOptions: { ignoreNotBefore: true },
    });
  }

  /** The caller, or null (401 'Invalid or expired access token'). `claims` is an object: its `aud` was checked. */
  async validate(claims: Claims): Promise<AuthUser | null> {
    if (!isAccessClaims(claims, Math.floor(this.clock.now().getTime() / 1000))) return null;
    try {
      await this.sessions.assertActive(claims.sid, claims.sub);
    } catch (error) {
      // Anything else (the database down) goes on to the exception filter as it is: 503, not 401.
      if (error instanceof SessionException) throw new UnauthorizedException('Session expired or revoked');
      throw error;
    }
    return {
      userId: claims.sub,
      sessionId: claims.sid,
      aal: claims.aal,
      amr: claims.amr,
      scope: claims.scope,
      roles: claims.roles,
    };
  }
}
