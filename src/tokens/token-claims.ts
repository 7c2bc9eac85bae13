import type { Aal, Role, Scope } from '../common/auth/auth-user';
import { AALS, ROLES, SCOPES } from '../common/auth/auth-user';

/** The first factor of a login, as it appears in `amr`. */
export type FirstFactor = 'pwd' | 'email';

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

export type AccessSubject = Pick<AccessClaims, 'sub' | 'sid' | 'aal' | 'amr' | 'scope' | 'roles'>;

/** How far ahead of the clock `iat` and `nbf` may be: replicas' clocks drift a little, not more. */
export const CLOCK_LEEWAY_SECONDS = 30;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const AMR_VALUE = /^[a-z_]{1,32}$/;
const MAX_AMR = 8;

export type Claims = Record<string, unknown>;

const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (values as readonly string[]).includes(value);

/**
 * `iat` and `exp` whole numbers, not expired on the injected clock (`exp > now`), nothing issued or valid
 * only in the future. The JWT libraries check none of this: they would read the wall clock.
 */
function hasValidTimes(claims: Claims, now: number): boolean {
  const { iat, exp, nbf } = claims;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) return false;
  if ((exp as number) <= now || (exp as number) <= (iat as number)) return false;
  if ((iat as number) > now + CLOCK_LEEWAY_SECONDS) return false;
  return nbf === undefined || (Number.isSafeInteger(nbf) && (nbf as number) <= now + CLOCK_LEEWAY_SECONDS);
}

/**
 * The exact shape of our tokens' claims. A token signed with the real key but missing `exp`, issued in the
 * future or naming a non-UUID must never get past verification: the signature says who made it, not that
 * it is well-formed, and whatever passes here reaches SQL and the session check.
 */
export function isAccessClaims(claims: Claims, now: number): claims is Claims & AccessClaims {
  const { amr, roles } = claims;
  return (
    claims.typ === 'access' &&
    isUuid(claims.sub) &&
    isUuid(claims.sid) &&
    isUuid(claims.jti) &&
    hasValidTimes(claims, now) &&
    isOneOf(AALS, claims.aal) &&
    isOneOf(SCOPES, claims.scope) &&
    Array.isArray(amr) &&
    amr.length > 0 &&
    amr.length <= MAX_AMR &&
    amr.every((value) => typeof value === 'string' && AMR_VALUE.test(value)) &&
    Array.isArray(roles) &&
    roles.length <= ROLES.length &&
    roles.every((role) => isOneOf(ROLES, role))
  );
}

export function isMfaClaims(claims: Claims, now: number): claims is Claims & MfaClaims {
  const { amr } = claims;
  return (
    claims.typ === 'mfa' &&
    isUuid(claims.sub) &&
    isUuid(claims.jti) &&
    hasValidTimes(claims, now) &&
    Array.isArray(amr) &&
    amr.length === 1 &&
    (amr[0] === 'pwd' || amr[0] === 'email')
  );
}
