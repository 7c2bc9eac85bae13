import { createHmac, randomUUID } from 'node:crypto';
import { TEST_ENV } from './test-app';

const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Signs any header and payload text with HS256 under `secret` (the test app's real key by default). */
export function signHs256(header: string, payload: string, secret = TEST_ENV.JWT_SECRET): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/**
 * Tokens an attacker (or a buggy client) could send, built from a real token's claims: wrong keys and
 * algorithms, claims of the wrong type or missing, and some signed with the service's real key, so the
 * claim checks behind the signature check are reached too.
 */
export function forgedTokens(realClaims: Record<string, unknown>): string[] {
  const now = Math.floor(Date.now() / 1000);
  const header = JSON.stringify({ alg: 'HS256', typ: 'JWT' });
  const withClaims = (changes: Record<string, unknown>) => JSON.stringify({ ...realClaims, ...changes });
  const without = (name: string) => JSON.stringify({ ...realClaims, [name]: undefined });
  const realKeyPayloads = [
    withClaims({ sid: 'not-a-uuid' }),
    withClaims({ sid: 'a\u0000b' }),
    withClaims({ sid: 'x'.repeat(500) }),
    withClaims({ sid: randomUUID() }),
    withClaims({ sid: 42 }),
    withClaims({ sub: 'not-a-uuid' }),
    withClaims({ sub: randomUUID() }),
    withClaims({ sub: { $ne: null } }),
    withClaims({ typ: 'mfa' }),
    withClaims({ typ: 'refresh' }),
    withClaims({ exp: 'soon' }),
    withClaims({ exp: 1e30 }),
    withClaims({ iat: now + 86_400 }),
    withClaims({ nbf: now + 86_400 }),
    withClaims({ aal: 'aal9' }),
    withClaims({ scope: '__proto__' }),
    withClaims({ roles: 'admin' }),
    withClaims({ roles: [{}, null, 'admin'] }),
    withClaims({ amr: 'otp' }),
    withClaims({ jti: 123 }),
    withClaims({ constructor: { prototype: { admin: true } } }),
    without('exp'),
    without('sid'),
    without('sub'),
    without('jti'),
    without('typ'),
    '[]',
    'null',
    '"a string"',
    '{"sub":',
  ];
  return [
    ...realKeyPayloads.map((payload) => signHs256(header, payload)),
    signHs256(header, withClaims({}), 'a-different-secret-0123456789abcdefghijkl'),
    signHs256(JSON.stringify({ alg: 'HS512', typ: 'JWT' }), withClaims({})),
    signHs256(JSON.stringify({ alg: 'HS256', kid: '../../../../etc/passwd' }), withClaims({})),
    signHs256(JSON.stringify({ alg: 'HS256', crit: ['exp'] }), withClaims({})),
    signHs256('not json', withClaims({})),
    `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64(withClaims({}))}.`,
    `${b64(JSON.stringify({ alg: 'RS256' }))}.${b64(withClaims({}))}.${b64('signature')}`,
    'a.b',
    'a.b.c.d',
    '...',
    `${b64(header)}.${b64(withClaims({}))}.%%%`,
    `${b64(header)}==.${b64(withClaims({}))}==.AAAA==`,
  ];
}
