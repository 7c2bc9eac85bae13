import { registerUser, signedInUser, uniqueEmail } from './factories/user.factory';
import { LogCapture } from './support/log-capture';
import { eventually } from './support/service-process';
import { TcpProxy } from './support/tcp-proxy';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp, TestApp } from './support/test-app';

const STATEMENT_TIMEOUT_MS = 1000;

describe('database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    database = await cloneTemplate();
    proxy = TcpProxy.forDatabaseUrl(database.url);
    await proxy.start();
    t = await startTestApp({
      database: { ...database, url: proxy.rewrite(database.url) },
      env: {
        DATABASE_HEALTH_TIMEOUT_MS: '500',
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        LOG_LEVEL: 'info',
      },
      logDestination: logs,
    });
  });

  afterAll(async () => {
    await proxy.start();
    await t.close();
    await proxy.stop();
    await database.drop();
  });

  /** A request that needs the database gets a fast 503 in the error shape, with Retry-After. */
  async function expectUnavailable(path: string, body: unknown, withinMs: number): Promise<void> {
    const started = Date.now();
    const res = await t.http.post(path, body, { headers: { 'x-request-id': 'outage-1' } });
    expect(Date.now() - started).toBeLessThan(withinMs);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: expect.any(String),
      code: 'dependency_unavailable',
      requestId: 'outage-1',
    });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }

  it('answers 503 while the database port is closed, keeps liveness, and recovers without a restart', async () => {
    const kept = await registerUser(t.http, { email: uniqueEmail('kept') });
    expect((await t.http.get('/health/ready')).status).toBe(200);

    await proxy.stop();
    logs.lines.length = 0;

    for (let i = 0; i < 5; i++) {
      await expectUnavailable('/api/v1/auth/login', { email: kept.email, password: kept.password }, 3000);
    }
    await expectUnavailable('/api/v1/auth/register', { email: uniqueEmail(), password: kept.password }, 3000);

    const ready = await t.http.get('/health/ready', { headers: { 'x-request-id': 'probe-1' } });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual(
      expect.objectContaining({
        statusCode: 503,
        error: 'Service Unavailable',
        requestId: 'probe-1',
        details: expect.objectContaining({ database: { status: 'down' } }),
      }),
    );
    expect(ready.text).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}|password|postgresql:\/\//i);
    expect((await t.http.get('/health')).status).toBe(503);
    expect((await t.http.get('/health/live')).status).toBe(200);

    // Six failed requests and two probes: the outage is logged once, without a stack trace.
    const errors = logs.entries().filter((entry) => entry.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ dependency: 'database' });
    expect(JSON.stringify(errors[0])).not.toMatch(/\n\s+at /);

    await proxy.start();
    await eventually(async () => {
      const res = await t.http.post('/api/v1/auth/login', { email: kept.email, password: kept.password });
      if (res.status !== 200) throw new Error(`login: ${res.status}`);
    }, 50);
    expect((await t.http.get('/health/ready')).status).toBe(200);
  });

  it('answers 503, not 401, to a signed-in caller whose session cannot be checked', async () => {
    const { accessToken } = await signedInUser(t.http);
    await proxy.stop();
    try {
      const res = await t.http.get('/api/v1/auth/me', { token: accessToken });
      expect(res.status).toBe(503);
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 503, code: 'dependency_unavailable' }));
    } finally {
      await proxy.start();
    }
    await eventually(async () => {
      const res = await t.http.get('/api/v1/auth/me', { token: accessToken });
      if (res.status !== 200) throw new Error(`me: ${res.status}`);
    }, 50);
  });

  it('answers 503 within the statement timeout when the database stops answering', async () => {
    const kept = await registerUser(t.http, { email: uniqueEmail('frozen') });
    proxy.freeze();
    try {
      await expectUnavailable(
        '/api/v1/auth/login',
        { email: kept.email, password: kept.password },
        STATEMENT_TIMEOUT_MS + 2000,
      );
      const ready = await t.http.get('/health/ready');
      expect(ready.status).toBe(503);
    } finally {
      proxy.thaw();
    }
    await eventually(async () => {
      const res = await t.http.post('/api/v1/auth/login', { email: kept.email, password: kept.password });
      if (res.status !== 200) throw new Error(`login: ${res.status}`);
    }, 50);
  });
});
