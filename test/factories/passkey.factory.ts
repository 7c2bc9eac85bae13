import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { HttpClient } from '../support/http-client';
import { PasskeyPage } from '../support/passkey-browser';
import { TestApp } from '../support/test-app';
import { Admin } from './admin.factory';
import { signedInUser, TestUser, Tokens } from './user.factory';

/** The service's own origin (PUBLIC_URL of the test app): the RP ID `auth.example.test` and its only allowed origin. */
export const SERVICE_ORIGIN = 'https://auth.example.test';
/** A subdomain of the RP ID: the browser lets it use `auth.example.test`, the service must not accept it. */
export const FOREIGN_ORIGIN = 'https://login.auth.example.test';

export interface RegisteredPasskey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp: boolean;
  transports: string[];
  backupCodes?: string[];
}

export interface Registration {
  options: PublicKeyCredentialCreationOptionsJSON;
  response: RegistrationResponseJSON;
  passkey: RegisteredPasskey;
}

/** `POST /webauthn/register/options`, which must answer 200. */
export async function registrationOptions(
  http: HttpClient,
  accessToken: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const res = await http.post('/api/v1/webauthn/register/options', undefined, { token: accessToken });
  if (res.status !== 200) throw new Error(`register/options failed: ${res.status} ${res.text}`);
  return res.body;
}

/** The whole registration: the service's options, the ceremony in `page`, and `/register/verify` (201). */
export async function registerPasskey(
  http: HttpClient,
  page: PasskeyPage,
  accessToken: string,
  name?: string,
): Promise<Registration> {
  const options = await registrationOptions(http, accessToken);
  const response = await page.register(options);
  const res = await http.post('/api/v1/webauthn/register/verify', { response, name }, { token: accessToken });
  if (res.status !== 201) throw new Error(`register/verify failed: ${res.status} ${res.text}`);
  return { options, response, passkey: res.body };
}

export type PasskeyUser = TestUser & Tokens & Registration & { backupCodes: string[] };

/** A signed-in user whose first and only second factor is a passkey on `page`'s authenticator. */
export async function passkeyUser(http: HttpClient, page: PasskeyPage, name?: string): Promise<PasskeyUser> {
  const user = await signedInUser(http);
  const registration = await registerPasskey(http, page, user.accessToken, name);
  return { ...user, ...registration, backupCodes: registration.passkey.backupCodes ?? [] };
}

/** The password step of a login that must answer `mfa_required`: its MFA token. */
export async function passwordStep(http: HttpClient, user: Pick<TestUser, 'email' | 'password'>): Promise<string> {
  const res = await http.post('/api/v1/auth/login', { email: user.email, password: user.password });
  if (res.status !== 200 || res.body.status !== 'mfa_required') {
    throw new Error(`password step failed: ${res.status} ${res.text}`);
  }
  return res.body.mfaToken as string;
}

/** `POST /auth/login/webauthn/options` for a pending login, which must answer 200. */
export async function secondFactorOptions(
  http: HttpClient,
  mfaToken: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await http.post('/api/v1/auth/login/webauthn/options', { mfaToken });
  if (res.status !== 200) throw new Error(`login/webauthn/options failed: ${res.status} ${res.text}`);
  return res.body;
}

/** The options of a pending login, answered by `page`'s authenticator (not yet sent). */
export async function secondFactorAssertion(
  http: HttpClient,
  page: PasskeyPage,
  mfaToken: string,
): Promise<AuthenticationResponseJSON> {
  return page.authenticate(await secondFactorOptions(http, mfaToken));
}

/** `POST /auth/passkey/options` (passwordless), which must answer 200. */
export async function passwordlessOptions(http: HttpClient): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const res = await http.post('/api/v1/auth/passkey/options');
  if (res.status !== 200) throw new Error(`passkey/options failed: ${res.status} ${res.text}`);
  return res.body;
}

export interface PasskeyFlagChange {
  enabled: boolean;
  rolloutPercent?: number;
  allowEmails?: string[];
}

/** Changes the `passkey_auth` flag as an aal2 admin does; switched on alone it reaches 0% (the flag's targeting). */
export async function setPasskeyFlag(t: TestApp, admin: Admin, change: PasskeyFlagChange): Promise<void> {
  const res = await t.http.put('/api/v1/admin/feature-flags/passkey_auth', change, { token: admin.aal2 });
  if (res.status !== 200) throw new Error(`setting passkey_auth failed: ${res.status} ${res.text}`);
}

/** A copy of `response` whose signature no longer holds (one byte changed). */
export function withBrokenSignature(response: AuthenticationResponseJSON): AuthenticationResponseJSON {
  const signature = Buffer.from(response.response.signature, 'base64url');
  signature[signature.length - 1] ^= 0x01;
  return { ...response, response: { ...response.response, signature: signature.toString('base64url') } };
}
