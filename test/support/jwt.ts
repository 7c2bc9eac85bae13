import { createHmac } from 'node:crypto';
import { TEST_ENV } from './test-app';

/** The claims of a JWT, read without verifying (tests check what the service put in). */
export function claimsOf(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, any>;
}

/**
 * An HS256 JWT over any claims, signed with the test app's real JWT_SECRET: what an attacker who holds the
 * key (or the service itself, by mistake) could present. Signed by hand, so nothing is checked or added.
 */
export function forgeToken(claims: Record<string, unknown>, secret = TEST_ENV.JWT_SECRET): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}
