import { parseCookie, SetCookie, stringifySetCookie } from 'cookie';
import { FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SecurityConfig } from '../config/security.config';

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
export const CSRF_COOKIE = 'csrf_token';
export const DEVICE_COOKIE = 'device_token';
export const CSRF_HEADER = 'x-csrf-token';
export const AUTH_MODE_HEADER = 'x-auth-mode';
const REFRESH_COOKIE_PATH = '/api/v1/auth';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function wantsCookies(request: FastifyRequest): boolean {
  return request.headers[AUTH_MODE_HEADER] === 'cookie';
}

type CookieOptions = Omit<SetCookie, 'name' | 'value'>;

function base(security: SecurityConfig, maxAgeSeconds: number): CookieOptions {
  return { secure: security.cookieSecure, sameSite: security.cookieSameSite, maxAge: maxAgeSeconds, path: '/' };
}

/**
 * Cookies are read and written here, with the `cookie` package, by the few routes that use them: the
 * Fastify plugin parsed every request's Cookie header and ran an onSend hook on every reply (about 5% of
 * the CPU of `/auth/me`, side by side), for the sign-in, refresh and logout routes alone.
 */
export function requestCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  return header ? parseCookie(header)[name] : undefined;
}

function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  // Fastify appends each `set-cookie` to the ones set before.
  void reply.header('set-cookie', stringifySetCookie({ name, value, ...options }));
}

/** Expired at once, empty: the browser drops it. */
function clearCookie(reply: FastifyReply, name: string, options: CookieOptions): void {
  setCookie(reply, name, '', { ...options, maxAge: 0, expires: new Date(0) });
}

/**
 * Cookie mode: the tokens travel as HttpOnly cookies, and a readable `csrf_token` cookie carries the
 * double-submit value that state-changing requests must echo in `X-CSRF-Token`.
 */
export function setAuthCookies(
  reply: FastifyReply,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number },
  refreshMaxAgeSeconds: number,
  security: SecurityConfig,
): void {
  setCookie(reply, ACCESS_COOKIE, tokens.accessToken, { ...base(security, tokens.expiresIn), httpOnly: true });
  setCookie(reply, REFRESH_COOKIE, tokens.refreshToken, {
    ...base(security, refreshMaxAgeSeconds),
    httpOnly: true,
    path: REFRESH_COOKIE_PATH,
  });
  setCookie(reply, CSRF_COOKIE, randomBytes(32).toString('base64url'), {
    ...base(security, refreshMaxAgeSeconds),
    httpOnly: false,
  });
}

/** A remembered device's token: HttpOnly, Lax whatever COOKIE_SAMESITE says, for the sign-in routes only. */
export function setDeviceCookie(
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
  security: SecurityConfig,
): void {
  setCookie(reply, DEVICE_COOKIE, token, {
    ...base(security, maxAgeSeconds),
    sameSite: 'lax',
    httpOnly: true,
    path: REFRESH_COOKIE_PATH,
  });
}

export function clearAuthCookies(reply: FastifyReply, security: SecurityConfig): void {
  clearCookie(reply, ACCESS_COOKIE, { ...base(security, 0), httpOnly: true });
  clearCookie(reply, REFRESH_COOKIE, { ...base(security, 0), httpOnly: true, path: REFRESH_COOKIE_PATH });
  clearCookie(reply, CSRF_COOKIE, base(security, 0));
}

/** True when a cookie-authenticated request may proceed: safe methods always, others with a matching header. */
export function csrfSatisfied(request: FastifyRequest): boolean {
  if (!STATE_CHANGING.has(request.method)) return true;
  const cookie = requestCookie(request, CSRF_COOKIE);
  const header = request.headers[CSRF_HEADER];
  if (!cookie || typeof header !== 'string') return false;
  const a = Buffer.from(cookie);
  const b = Buffer.from(header);
  return a.length === b.length && timingSafeEqual(a, b);
}
