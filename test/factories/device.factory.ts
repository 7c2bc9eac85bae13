import { HttpClient, HttpResponse } from '../support/http-client';
import { TestApp } from '../support/test-app';
import { Admin } from './admin.factory';
import { enroll, Enrollment } from './mfa.factory';
import { signedInUser, TestUser, Tokens } from './user.factory';

/** A browser-like user agent, so the device list and the new-device mail have one to show. */
export const DEVICE_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) TrustedDeviceTest/1.0';

export interface Cookie {
  value: string;
  /** Attribute names in lower case (`httponly`, `max-age`, ...) with their values ('' for flags). */
  attributes: Record<string, string>;
}

/** The cookies a response sets, by name, with their attributes parsed. */
export function cookiesOf(res: HttpResponse): Record<string, Cookie> {
  const out: Record<string, Cookie> = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';');
    const [name, ...value] = pair.split('=');
    const attributes: Record<string, string> = {};
    for (const attribute of rest) {
      const [key, ...attributeValue] = attribute.split('=');
      if (key.trim() !== '') attributes[key.trim().toLowerCase()] = attributeValue.join('=').trim();
    }
    out[name.trim()] = { value: value.join('='), attributes };
  }
  return out;
}

export interface TrustedDevicesFlag {
  enabled: boolean;
  rolloutPercent?: number;
  allowEmails?: string[];
}

/** Sets the `trusted_devices` flag as an aal2 admin does; `{enabled: true, rolloutPercent: 100}` reaches everyone. */
export async function setTrustedDevicesFlag(
  t: TestApp,
  admin: Admin,
  change: TrustedDevicesFlag = { enabled: true, rolloutPercent: 100 },
): Promise<void> {
  const res = await t.http.put('/api/v1/admin/feature-flags/trusted_devices', change, { token: admin.aal2 });
  if (res.status !== 200) throw new Error(`setting trusted_devices failed: ${res.status} ${res.text}`);
}

export type EnrolledUser = TestUser & Tokens & Enrollment;

/** A signed-in user with TOTP enrolled (aal1 token from before enrolment). */
export async function enrolledUser(t: TestApp): Promise<EnrolledUser> {
  const user = await signedInUser(t.http);
  return { ...user, ...(await enroll(t.http, t.clock, user.accessToken)) };
}

/** A TOTP code no login has used yet: the clock moves one 30-second step first. */
export function freshCode(t: TestApp, user: Pick<Enrollment, 'codeAt'>): string {
  t.clock.advance(30_000);
  return user.codeAt(t.clock.now());
}

export interface LoginOptions {
  deviceToken?: string;
  /** Sends `X-Auth-Mode: cookie` and the device token (if any) as the `device_token` cookie. */
  cookieMode?: boolean;
  userAgent?: string;
}

function loginHeaders(options: LoginOptions): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': options.userAgent ?? DEVICE_USER_AGENT };
  if (options.cookieMode) {
    headers['x-auth-mode'] = 'cookie';
    if (options.deviceToken !== undefined) headers.cookie = `device_token=${options.deviceToken}`;
  }
  return headers;
}

/** `POST /auth/login` with the password and, in the body or as the cookie, a device token. */
export function passwordLogin(
  http: HttpClient,
  user: Pick<TestUser, 'email' | 'password'>,
  options: LoginOptions = {},
): Promise<HttpResponse> {
  const body: Record<string, string> = { email: user.email, password: user.password };
  if (options.deviceToken !== undefined && !options.cookieMode) body.deviceToken = options.deviceToken;
  return http.post('/api/v1/auth/login', body, { headers: loginHeaders(options) });
}

/** `POST /auth/login/2fa` for a pending login, asking (or not) to remember the device. */
export function secondStep(
  http: HttpClient,
  mfaToken: string,
  code: string,
  options: { rememberDevice?: boolean; cookieMode?: boolean; userAgent?: string } = {},
): Promise<HttpResponse> {
  const body: Record<string, unknown> = { mfaToken, code };
  if (options.rememberDevice !== undefined) body.rememberDevice = options.rememberDevice;
  return http.post('/api/v1/auth/login/2fa', body, { headers: loginHeaders({ ...options, deviceToken: undefined }) });
}

/** The device token a sign-in answer carries: `deviceToken` in the body, or the `device_token` cookie. */
export function deviceTokenOf(res: HttpResponse, cookieMode = false): string | undefined {
  if (cookieMode) return cookiesOf(res).device_token?.value || undefined;
  return (res.body as { deviceToken?: string }).deviceToken;
}

/** The access token a sign-in answer carries, from the body or the `access_token` cookie. */
export function accessTokenOf(res: HttpResponse, cookieMode = false): string {
  const token = cookieMode ? cookiesOf(res).access_token?.value : (res.body as { accessToken?: string }).accessToken;
  if (!token) throw new Error(`no access token in ${res.status} ${res.text}`);
  return token;
}

export interface RememberedDevice {
  deviceToken: string;
  /** The answer of the second step that remembered the device. */
  res: HttpResponse;
  accessToken: string;
}

/** Password, then a fresh TOTP code with `rememberDevice: true`: the device token it issued. */
export async function rememberDevice(
  t: TestApp,
  user: Pick<EnrolledUser, 'email' | 'password' | 'codeAt'>,
  options: { cookieMode?: boolean; userAgent?: string } = {},
): Promise<RememberedDevice> {
  const pending = await passwordLogin(t.http, user, { userAgent: options.userAgent });
  if (pending.status !== 200 || pending.body.status !== 'mfa_required') {
    throw new Error(`password step failed: ${pending.status} ${pending.text}`);
  }
  const res = await secondStep(t.http, pending.body.mfaToken, freshCode(t, user), { ...options, rememberDevice: true });
  if (res.status !== 200) throw new Error(`second step failed: ${res.status} ${res.text}`);
  const deviceToken = deviceTokenOf(res, options.cookieMode);
  if (!deviceToken) throw new Error(`no device token in ${res.text}`);
  return { deviceToken, res, accessToken: accessTokenOf(res, options.cookieMode) };
}

/** An enrolled user with one remembered device (bearer mode). */
export async function userWithDevice(t: TestApp): Promise<EnrolledUser & RememberedDevice> {
  const user = await enrolledUser(t);
  return { ...user, ...(await rememberDevice(t, user)) };
}
