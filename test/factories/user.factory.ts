import { randomUUID } from 'node:crypto';
import { HttpClient } from '../support/http-client';

export const DEFAULT_PASSWORD = 'Str0ng!Passw0rd-42';

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}@example.com`;
}

/** Registers a user over HTTP. */
export async function registerUser(http: HttpClient, overrides: Partial<TestUser> = {}): Promise<TestUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const res = await http.post('/api/v1/auth/register', { email, password });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return { id: res.body.id, email, password };
}

/** Logs a user in over HTTP and returns the token pair. */
export async function login(http: HttpClient, user: Pick<TestUser, 'email' | 'password'>): Promise<Tokens> {
  const res = await http.post('/api/v1/auth/login', { email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body;
}

/** A registered, logged-in user in one line. */
export async function signedInUser(http: HttpClient): Promise<TestUser & Tokens> {
  const user = await registerUser(http);
  return { ...user, ...(await login(http, user)) };
}
