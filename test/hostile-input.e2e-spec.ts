import { Admin, makeAdmin } from './factories/admin.factory';
import { enroll } from './factories/mfa.factory';
import { signedInUser, TestUser, Tokens, uniqueEmail } from './factories/user.factory';
import { errorShapeProblems, securityHeaderProblems } from './support/error-shape';
import { HttpResponse } from './support/http-client';
import { RawResponse, sendRawBytes } from './support/raw-http';
import { startTestApp, TestApp } from './support/test-app';

/** The error shape every refusal shares, with the request id in the body and the header, and the security headers. */
function expectErrorShape(res: HttpResponse | RawResponse, status: number): void {
  const reply = 'json' in res ? res : { status: res.status, headers: Object.fromEntries(res.headers), json: res.body };
  expect(reply.status).toBe(status);
  expect([...errorShapeProblems(reply), ...securityHeaderProblems(reply)]).toEqual([]);
}

async function rawRequest(port: number, bytes: string): Promise<RawResponse & { body: any }> {
  const reply = await sendRawBytes(port, Buffer.from(bytes, 'latin1'));
  return { ...reply, body: reply.json };
}

function nested(depth: number, leaf: unknown = 1): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

describe('hostile input', () => {
  let t: TestApp;
  let user: TestUser & Tokens;
  let admin: Admin;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(t.baseUrl).port);
    user = await signedInUser(t.http);
    admin = await makeAdmin(t);
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses JSON nested deeper than 32 levels with 400, in any field', async () => {
    const deep = '['.repeat(1300) + ']'.repeat(1300);
    const whole = await t.http.request('POST', '/api/v1/auth/login', {
      raw: deep,
      headers: { 'content-type': 'application/json' },
    });
    expectErrorShape(whole, 400);
    expect(whole.body.code).toBe('json_too_deep');

    const inField = await t.http.post('/api/v1/auth/register', { email: nested(1300), password: 'x' });
    expectErrorShape(inField, 400);
    const objects = await t.http.request('POST', '/api/v1/auth/login', {
      raw: '{"a":'.repeat(40) + '1' + '}'.repeat(40),
      headers: { 'content-type': 'application/json' },
    });
    expectErrorShape(objects, 400);
    // Brackets inside strings are text, not nesting.
    const inString = await t.http.post('/api/v1/auth/login', { email: '['.repeat(2000), password: 'x' });
    expectErrorShape(inString, 400);
    expect(inString.body.code).toBeUndefined();
  });

  it('refuses lone surrogates and control characters with 400 wherever a string comes in', async () => {
    const surrogate = '{"email":"\\ud800@example.com","password":"Str0ng!Passw0rd-42"}';
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/password/forgot',
      '/api/v1/auth/email/verify/resend',
    ]) {
      const res = await t.http.request('POST', path, {
        raw: surrogate,
        headers: { 'content-type': 'application/json' },
      });
      expectErrorShape(res, 400);
      expect(res.body.message).toContain('email is not well-formed Unicode');
    }
    expectErrorShape(await t.http.post('/api/v1/auth/login', { email: 'a\u0000b@example.com', password: 'x' }), 400);
    expectErrorShape(await t.http.post('/api/v1/auth/login', { email: user.email, password: 'pass\nword' }), 400);
    expectErrorShape(await t.http.get('/api/v1/admin/users?query=a%00b', { token: admin.aal2 }), 400);
    expectErrorShape(await t.http.get('/api/v1/admin/users/a%00b', { token: admin.aal2 }), 400);
  });

  it('accepts line breaks only in fields that allow them, and leaves nothing half-done', async () => {
    const target = await signedInUser(t.http);
    await enroll(t.http, t.clock, target.accessToken);
    const withNul = await t.http.post(
      `/api/v1/admin/users/${target.id}/2fa/disable`,
      { reason: 'lost phone\u0000' },
      { token: admin.aal2 },
    );
    expectErrorShape(withNul, 400);
    expect((await t.http.get('/api/v1/2fa/status', { token: target.accessToken })).body.enabled).toBe(true);
    const audit = await t.http.get(`/api/v1/admin/audit?userId=${target.id}&type=mfa.disabled`, { token: admin.aal2 });
    expect(audit.body.items).toEqual([]);

    const multiline = await t.http.post(
      `/api/v1/admin/users/${target.id}/2fa/disable`,
      { reason: 'lost phone\nidentity checked by video call' },
      { token: admin.aal2 },
    );
    expect(multiline.status).toBe(204);
  });

  it('refuses a User-Agent with control characters', async () => {
    const res = await rawRequest(port, 'GET /health/live HTTP/1.1\r\nHost: x\r\nUser-Agent: bad\x7fagent\r\n\r\n');
    expectErrorShape(res, 400);
    expect(['invalid_header', 'malformed_request']).toContain(res.body.code);
  });

  it('refuses unknown fields, also those named like Object.prototype members', async () => {
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'prototype']) {
      const forgot = await t.http.post('/api/v1/auth/password/forgot', { email: 'a@example.com', [name]: 1 });
      expectErrorShape(forgot, 400);
      expect(forgot.body.message).toEqual([`property ${name} should not exist`]);
      const register = await t.http.post('/api/v1/auth/register', {
        email: uniqueEmail(),
        password: 'Str0ng!Passw0rd-42',
        [name]: 'x',
      });
      expectErrorShape(register, 400);
    }
    const proto = await t.http.request('POST', '/api/v1/auth/password/forgot', {
      raw: '{"email":"a@example.com","__proto__":{"x":1}}',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorShape(proto, 400);
  });

  it('refuses a body with fields on routes that take none', async () => {
    const other = await signedInUser(t.http);
    const routes: Array<[string, string]> = [
      ['POST', '/api/v1/auth/logout'],
      ['DELETE', '/api/v1/sessions'],
      ['POST', '/api/v1/sessions/current/extend'],
      ['POST', '/api/v1/2fa/setup'],
      ['POST', '/api/v1/2fa/skip'],
    ];
    for (const [method, path] of routes) {
      const res = await t.http.request(method, path, { json: { anything: 1 }, token: other.accessToken });
      expectErrorShape(res, 400);
      expect(res.body.message).toBe('This operation takes no request body');
    }
    for (const action of ['unlock', 'force-password-change', 'sessions/revoke']) {
      const res = await t.http.post(`/api/v1/admin/users/${other.id}/${action}`, { x: 1 }, { token: admin.aal2 });
      expectErrorShape(res, 400);
    }
    // The session survived every refused logout.
    expect((await t.http.get('/api/v1/auth/me', { token: other.accessToken })).status).toBe(200);
    expect((await t.http.post('/api/v1/auth/logout', {}, { token: other.accessToken })).status).toBe(204);
  });

  it("answers the framework's own refusals in the error shape with the security headers", async () => {
    const badUrl = await t.http.get('/api/v1/admin/users/%ff', {
      token: admin.aal2,
      headers: { 'x-request-id': 'r-1' },
    });
    expectErrorShape(badUrl, 400);
    expect(badUrl.body).toMatchObject({ code: 'bad_url', requestId: 'r-1' });

    const longParam = await t.http.get(`/api/v1/admin/users/${'a'.repeat(150)}`, { token: admin.aal2 });
    expectErrorShape(longParam, 414);
    expect(longParam.body.code).toBe('uri_too_long');

    const headers = await rawRequest(
      port,
      `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expectErrorShape(headers, 431);
    expect(headers.body.code).toBe('headers_too_large');

    const malformed = await rawRequest(port, 'GARBAGE / HTTP/9\r\n\r\n');
    expectErrorShape(malformed, 400);
    expect(malformed.body.code).toBe('malformed_request');

    const media = await t.http.request('POST', '/api/v1/auth/login', {
      raw: 'email=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectErrorShape(media, 415);
    const tooLarge = await t.http.post('/api/v1/auth/login', { email: 'a'.repeat(200_000), password: 'x' });
    expectErrorShape(tooLarge, 413);
    expect(tooLarge.body.code).toBe('payload_too_large');
    const malformedJson = await t.http.request('POST', '/api/v1/auth/login', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expectErrorShape(malformedJson, 400);
    expect(malformedJson.body.code).toBe('invalid_json');
  });
});
