import { registerUser } from './factories/user.factory';
import { startTestApp, TestApp } from './support/test-app';

interface Cookie {
  name: string;
  value: string;
  attributes: string;
}

function cookiesOf(headers: Headers): Record<string, Cookie> {
  const out: Record<string, Cookie> = {};
  for (const line of headers.getSetCookie()) {
    const [pair, ...rest] = line.split(';');
    const [name, value] = pair.split('=');
    out[name.trim()] = { name: name.trim(), value: value ?? '', attributes: rest.join(';').trim() };
  }
  return out;
}

describe('cookie mode', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { COOKIE_SECURE: 'true', COOKIE_SAMESITE: 'lax' } });
  });

  afterAll(async () => {
    await t.close();
  });

  async function cookieLogin() {
    const user = await registerUser(t.http);
    const res = await t.http.post(
      '/api/v1/auth/login',
      { email: user.email, password: user.password },
      { headers: { 'x-auth-mode': 'cookie' } },
    );
    expect(res.status).toBe(200);
    return { user, res, cookies: cookiesOf(res.headers) };
  }

  const cookieHeader = (cookies: Record<string, Cookie>, names = ['access_token', 'csrf_token']) =>
    names.map((name) => `${name}=${cookies[name].value}`).join('; ');

  it('delivers the tokens as HttpOnly cookies instead of in the body', async () => {
    const { res, cookies } = await cookieLogin();
    expect(res.body.accessToken).toBeUndefined();
    expect(res.body.refreshToken).toBeUndefined();
    expect(res.body.status).toBe('authenticated');
    expect(cookies.access_token.attributes).toMatch(/HttpOnly/);
    expect(cookies.access_token.attributes).toMatch(/Secure/);
    expect(cookies.access_token.attributes).toMatch(/SameSite=Lax/);
    expect(cookies.access_token.attributes).toMatch(/Path=\/(;|$)/);
    expect(cookies.refresh_token.attributes).toMatch(/HttpOnly/);
    expect(cookies.refresh_token.attributes).toMatch(/Path=\/api\/v1\/auth/);
    expect(cookies.csrf_token.attributes).not.toMatch(/HttpOnly/);
  });

  it('authenticates safe requests by cookie and needs X-CSRF-Token for state-changing ones', async () => {
    const { cookies } = await cookieLogin();
    const me = await t.http.get('/api/v1/auth/me', { headers: { cookie: cookieHeader(cookies) } });
    expect(me.status).toBe(200);

    const withoutCsrf = await t.http.post('/api/v1/sessions/current/extend', undefined, {
      headers: { cookie: cookieHeader(cookies) },
    });
    expect(withoutCsrf.status).toBe(403);
    const wrongCsrf = await t.http.post('/api/v1/sessions/current/extend', undefined, {
      headers: { cookie: cookieHeader(cookies), 'x-csrf-token': 'forged' },
    });
    expect(wrongCsrf.status).toBe(403);
    const withCsrf = await t.http.post('/api/v1/sessions/current/extend', undefined, {
      headers: { cookie: cookieHeader(cookies), 'x-csrf-token': cookies.csrf_token.value },
    });
    expect(withCsrf.status).toBe(200);
  });

  it('refreshes from the refresh cookie with the CSRF header, rotating the cookies', async () => {
    const { cookies } = await cookieLogin();
    const headers = { cookie: cookieHeader(cookies, ['refresh_token', 'csrf_token']) };
    expect((await t.http.post('/api/v1/auth/refresh', {}, { headers })).status).toBe(403);
    const res = await t.http.post(
      '/api/v1/auth/refresh',
      {},
      { headers: { ...headers, 'x-csrf-token': cookies.csrf_token.value } },
    );
    expect(res.status).toBe(200);
    expect(res.body.refreshToken).toBeUndefined();
    const rotated = cookiesOf(res.headers);
    expect(rotated.refresh_token.value).not.toBe(cookies.refresh_token.value);
    expect((await t.http.get('/api/v1/auth/me', { headers: { cookie: cookieHeader(rotated) } })).status).toBe(200);
  });

  it('clears the cookies on logout', async () => {
    const { cookies } = await cookieLogin();
    const res = await t.http.post('/api/v1/auth/logout', undefined, {
      headers: { cookie: cookieHeader(cookies), 'x-csrf-token': cookies.csrf_token.value },
    });
    expect(res.status).toBe(204);
    const cleared = cookiesOf(res.headers);
    expect(cleared.access_token.value).toBe('');
    expect(cleared.refresh_token.value).toBe('');
    // A browser drops a cookie only when the clearing one matches its path and is already expired.
    for (const name of ['access_token', 'refresh_token', 'csrf_token']) {
      expect(cleared[name].attributes).toMatch(/Max-Age=0(;|$)/);
      expect(cleared[name].attributes).toMatch(/Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
    }
    expect(cleared.access_token.attributes).toMatch(/Path=\/(;|$)/);
    expect(cleared.refresh_token.attributes).toMatch(/Path=\/api\/v1\/auth(;|$)/);
    expect((await t.http.get('/api/v1/auth/me', { headers: { cookie: cookieHeader(cookies) } })).status).toBe(401);
  });
});
