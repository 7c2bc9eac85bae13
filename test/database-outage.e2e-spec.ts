import { TcpProxy } from './support/tcp-proxy';
import { cloneTemplate, TestDatabase } from './support/template-database';
import { startTestApp, TestApp } from './support/test-app';

describe('database outage', () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    database = await cloneTemplate();
    proxy = TcpProxy.forDatabaseUrl(database.url);
    await proxy.start();
    t = await startTestApp({
      database: { ...database, url: proxy.rewrite(database.url) },
      env: { DATABASE_HEALTH_TIMEOUT_MS: '500' },
    });
  });

  afterAll(async () => {
    await t.close();
    await database.drop();
  });

  it('turns readiness to 503 while liveness stays 200 when the database port closes', async () => {
    expect((await t.http.get('/health/ready')).status).toBe(200);

    await proxy.stop();

    const ready = await t.http.get('/health/ready', { headers: { 'x-request-id': 'probe-1' } });
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual(
      expect.objectContaining({
        statusCode: 503,
        error: 'Service Unavailable',
        requestId: 'probe-1',
        details: expect.objectContaining({ database: expect.objectContaining({ status: 'down' }) }),
      }),
    );
    expect(ready.text).not.toMatch(/password|postgresql:\/\//i);
    expect((await t.http.get('/health')).status).toBe(503);

    const live = await t.http.get('/health/live');
    expect(live.status).toBe(200);
  });
});
