import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpClient } from './support/http-client';
import { eventually, freePort, spawnService } from './support/service-process';
import { cloneTemplate } from './support/template-database';
import { startTestApp, TEST_ENV, TestApp } from './support/test-app';

const MANAGEMENT_PATHS = ['/health/live', '/health/ready', '/health', '/metrics'];

interface Reply {
  status?: number;
  connection?: string;
  error?: string;
}

/** One GET (on a new connection with `agent` false); resolves with the reply or the socket error, never rejects. */
function get(port: number, path: string, agent: Agent | false): Promise<Reply> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('MANAGEMENT_PORT', () => {
  describe('set', () => {
    let t: TestApp;
    let management: HttpClient;

    beforeAll(async () => {
      t = await startTestApp({ env: { MANAGEMENT_PORT: '0' } });
      management = t.management as HttpClient;
    });

    afterAll(async () => {
      await t?.close();
    });

    it('serves the probes and /metrics on the management port, and answers them 404 on the API port', async () => {
      expect(management.baseUrl).not.toBe(t.baseUrl);
      for (const path of MANAGEMENT_PATHS) {
        expect({ path, status: (await management.get(path)).status }).toEqual({ path, status: 200 });
        const api = await t.http.get(path, { headers: { 'x-request-id': 'rid-mgmt' } });
        expect({ path, status: api.status }).toEqual({ path, status: 404 });
        expect(api.body).toEqual({
          statusCode: 404,
          error: 'Not Found',
          message: expect.any(String),
          requestId: 'rid-mgmt',
        });
        expect(api.headers.get('x-content-type-options')).toBe('nosniff');
      }
      expect((await management.get('/health/ready')).body.details.database.status).toBe('up');
      expect((await management.get('/metrics')).headers.get('content-type')).toContain('text/plain');
    });

    it('serves nothing of the API on the management port', async () => {
      expect((await t.http.get('/api/v1/auth/me')).status).toBe(401);
      expect((await management.get('/api/v1/auth/me')).status).toBe(404);
      const login = await management.post('/api/v1/auth/login', { email: 'a@example.test', password: 'x' });
      expect(login.status).toBe(404);
      expect(login.body).toEqual(expect.objectContaining({ statusCode: 404, error: 'Not Found' }));
      expect((await management.get('/docs')).status).toBe(404);
    });

    it('exports the API traffic from the one metrics registry, a wrong-port probe counted as unmatched', async () => {
      await t.http.get('/api/v1/auth/me');
      await t.http.get('/metrics');
      const metrics = (await management.get('/metrics')).text;
      expect(metrics).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/auth\/me",status_code="401"\} [1-9]/,
      );
      expect(metrics).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\}/,
      );
      expect(metrics).not.toMatch(/route="\/metrics",status_code="404"/);
    });
  });

  it('serves the probes and /metrics on the API port when unset', async () => {
    const t = await startTestApp();
    try {
      expect(t.management).toBeUndefined();
      for (const path of MANAGEMENT_PATHS) {
        expect({ path, status: (await t.http.get(path)).status }).toEqual({ path, status: 200 });
      }
    } finally {
      await t.close();
    }
  });

  it('closes the management listener with the API when the app closes', async () => {
    const t = await startTestApp({ env: { MANAGEMENT_PORT: '0' } });
    const management = t.management as HttpClient;
    expect((await management.get('/health/live')).status).toBe(200);
    await t.close();
    for (const url of [management.baseUrl, t.baseUrl]) {
      const reply = await get(Number(new URL(url).port), '/health/live', false);
      expect({ url, reply }).toEqual({ url, reply: { error: 'ECONNREFUSED' } });
    }
  });

  describe('as its own process', () => {
    let dataDir: string;

    beforeEach(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'twofold-management-'));
    });

    afterEach(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('logs both URLs, turns readiness 503 on the management port at SIGTERM, and exits 0', async () => {
      const database = await cloneTemplate();
      const [port, managementPort] = [await freePort(), await freePort()];
      const service = spawnService({
        ...TEST_ENV,
        LOG_LEVEL: 'info',
        PORT: String(port),
        MANAGEMENT_PORT: String(managementPort),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: String(database.poolSize),
        SHUTDOWN_DELAY_MS: '1000',
      });
      const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        await eventually(async () => {
          if ((await get(managementPort, '/health/ready', keepAlive)).status !== 200) throw new Error('not ready');
        });
        expect(service.output()).toContain(
          `Listening on http://127.0.0.1:${port}; probes and metrics on http://127.0.0.1:${managementPort}`,
        );

        service.child.kill('SIGTERM');
        // The kept-alive probe connection sees readiness turn 503, then is told to close: never a reset.
        const replies: Reply[] = [];
        for (let i = 0; i < 500; i++) {
          const reply = await get(managementPort, '/health/ready', keepAlive);
          replies.push(reply);
          if (reply.error || reply.connection === 'close') break;
        }
        expect(replies.filter((reply) => reply.error)).toEqual([]);
        expect(replies.at(-1)).toEqual({ status: 503, connection: 'close' });
        expect(await service.exited).toBe(0);
      } finally {
        keepAlive.destroy();
        service.child.kill('SIGKILL');
        await database.drop();
      }
    });
  });
});
