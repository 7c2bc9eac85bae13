import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startTestApp, TestApp } from './support/test-app';

const LIMITS = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_LOGIN: '3/min', RATE_LIMIT_REGISTER: '100/hour' };

async function loginAttempts(t: TestApp, email: string, count: number, headers: Record<string, string> = {}) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.http.post('/api/v1/auth/login', { email, password: 'Wrong-passw0rd!' }, { headers });
    statuses.push(res.status);
    if (res.status === 429) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 429, error: 'Too Many Requests' }));
    }
  }
  return statuses;
}

describe('rate limits in memory', () => {
  let t: TestApp;

  afterEach(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After past RATE_LIMIT_LOGIN, and a spoofed X-Forwarded-For changes nothing', async () => {
    t = await startTestApp({ env: LIMITS });
    const statuses = await loginAttempts(t, 'nobody@example.com', 3);
    expect(statuses).toEqual([401, 401, 401]);
    expect(await loginAttempts(t, 'nobody@example.com', 1, { 'x-forwarded-for': '203.0.113.9' })).toEqual([429]);
    const register = await t.http.post('/api/v1/auth/register', { email: 'x@example.com', password: 'short' });
    expect(register.status).toBe(400);
  });

  it('keys by the forwarded client address when TRUST_PROXY trusts the proxy hop', async () => {
    t = await startTestApp({ env: { ...LIMITS, TRUST_PROXY: '1' } });
    expect(await loginAttempts(t, 'a@example.com', 4, { 'x-forwarded-for': '203.0.113.1' })).toEqual([
      401, 401, 401, 429,
    ]);
    expect(await loginAttempts(t, 'a@example.com', 1, { 'x-forwarded-for': '203.0.113.2' })).toEqual([401]);
  });

  it('counts mail-sending routes per email too, so many addresses cannot mail-bomb one person', async () => {
    t = await startTestApp({ env: { ...LIMITS, TRUST_PROXY: '1', RATE_LIMIT_PASSWORD_RESET: '2/hour' } });
    const forgot = (email: string, ip: string) =>
      t.http.post('/api/v1/auth/password/forgot', { email }, { headers: { 'x-forwarded-for': ip } });
    expect((await forgot('victim@example.com', '203.0.113.10')).status).toBe(202);
    expect((await forgot('Victim@Example.com', '203.0.113.11')).status).toBe(202);
    expect((await forgot('victim@example.com', '203.0.113.12')).status).toBe(429);
    expect((await forgot('someone-else@example.com', '203.0.113.12')).status).toBe(202);
  });

  it('applies nothing when RATE_LIMIT_ENABLED is false', async () => {
    t = await startTestApp({ env: { ...LIMITS, RATE_LIMIT_ENABLED: 'false' } });
    expect(await loginAttempts(t, 'b@example.com', 5)).toEqual([401, 401, 401, 401, 401]);
  });
});

/** Counters don't touch the database: each replica may have its own (PGlite serves one connection). */
describe('rate limits in Redis, shared by two replicas', () => {
  const prefix = `twofold-test-${randomUUID()}:`;
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    const env = { ...LIMITS, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: prefix };
    first = await startTestApp({ env });
    second = await startTestApp({ env });
  });

  afterAll(async () => {
    await first.close();
    await second.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('counts attempts on both replicas against one limit', async () => {
    expect(await loginAttempts(first, 'shared@example.com', 2)).toEqual([401, 401]);
    expect(await loginAttempts(second, 'shared@example.com', 2)).toEqual([401, 429]);
    expect(await loginAttempts(first, 'shared@example.com', 1)).toEqual([429]);
  });

  it('reports Redis in readiness', async () => {
    const res = await first.http.get('/health/ready');
    expect(res.body.details.redis).toEqual({ status: 'up' });
  });
});
