import { FastifyRequest } from 'fastify';
import { ExtractJwt, JwtFromRequestFunction } from 'passport-jwt';
import { ACCESS_COOKIE, requestCookie } from '../auth-cookies';

const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/;

/** The token of an `Authorization: Bearer <jwt>` header, nothing looser (no other scheme or spacing). */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  return typeof header === 'string' ? (BEARER.exec(header)?.[1] ?? null) : null;
}

/** Cookie mode: the HttpOnly access-token cookie. */
export function cookieToken(request: FastifyRequest): string | null {
  return requestCookie(request, ACCESS_COOKIE) || null;
}

/** Where an access token may come from: the bearer header first, then the cookie. */
export const accessTokenFromRequest: JwtFromRequestFunction<FastifyRequest> = ExtractJwt.fromExtractors([
  bearerToken,
  cookieToken,
]);
