import { HttpResponse } from './support/http-client';
import { startTestApp, TestApp } from './support/test-app';

const APP = 'https://app.example.test';
const preflight = (t: TestApp, origin: string) =>
  t.http.request('OPTIONS', '/api/v1/auth/login', {
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
const corsHeaders = (res: HttpResponse) =>
  [...res.headers.keys()].filter((name) => name.startsWith('access-control-')).sort();

describe('CORS with CORS_ORIGINS set', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: `${APP},https://admin.example.test` } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('allows a listed origin to send credentials and read the request id and Retry-After', async () => {
    const allowed = await preflight(t, APP);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');

    const live = await t.http.get('/health/live', { headers: { origin: APP } });
    expect(live.headers.get('access-control-allow-origin')).toBe(APP);
    expect(live.headers.get('access-control-expose-headers')).toBe('X-Request-ID, Retry-After');
  });

  it('allows no other origin: no Access-Control-Allow-Origin, so the browser keeps the reply from the page', async () => {
    const refused = await preflight(t, 'https://evil.example.test');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const live = await t.http.get('/health/live', { headers: { origin: 'https://evil.example.test' } });
    expect(live.status).toBe(200);
    expect(live.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS without CORS_ORIGINS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { CORS_ORIGINS: '' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('allows no origin: a preflight is an unknown route, and no reply carries a CORS header', async () => {
    const refused = await preflight(t, APP);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect(corsHeaders(refused)).toEqual([]);
    const live = await t.http.get('/health/live', { headers: { origin: APP } });
    expect(live.status).toBe(200);
    expect(corsHeaders(live)).toEqual([]);
  });
});
