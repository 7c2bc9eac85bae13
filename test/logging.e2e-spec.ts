import { whileUsersTableIsMissing } from './factories/database-fault.factory';
import { LogCapture } from './support/log-capture';
import { startTestApp, TestApp } from './support/test-app';

describe('request logging', () => {
  const logs = new LogCapture();
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'info' }, logDestination: logs });
  });

  afterAll(async () => {
    await t.close();
  });

  it('writes one JSON line per request with its request id and no credentials', async () => {
    await t.http.get('/api/v1/anything?page=2&x=%0A%7B%22msg%22%3A%22forged%22%7D', {
      headers: {
        'x-request-id': 'log-test-1',
        authorization: 'Bearer canary-access-token',
        cookie: 'refresh_token=canary-refresh-token',
        'user-agent': 'agent"}{"level":60,"msg":"forged',
      },
    });
    const lines = logs.entries().filter((entry) => entry.requestId === 'log-test-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual(
      expect.objectContaining({
        msg: 'request completed',
        req: expect.objectContaining({ method: 'GET', userAgent: 'agent"}{"level":60,"msg":"forged' }),
        res: { statusCode: 404 },
      }),
    );
    expect(logs.entries().some((entry) => entry.msg === 'forged')).toBe(false);
    const all = logs.lines.join('\n');
    expect(all).not.toContain('canary-access-token');
    expect(all).not.toContain('canary-refresh-token');
  });

  it('gives lines logged while serving a request, background mail included, the request id', async () => {
    await t.http.post(
      '/api/v1/auth/register',
      { email: 'log-test-mail@example.com', password: 'Log-Test-Passw0rd!' },
      { headers: { 'x-request-id': 'log-test-mail' } },
    );
    const mailLine = () => logs.entries().find((entry) => entry.msg === 'Mail written to the development outbox');
    const deadline = Date.now() + 10_000;
    while (!mailLine() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(mailLine()).toEqual(expect.objectContaining({ requestId: 'log-test-mail', template: 'email_verification' }));
  });

  it('logs an unhandled error and the failed request under the request id', async () => {
    const res = await whileUsersTableIsMissing(t, () =>
      t.http.post(
        '/api/v1/auth/login',
        { email: 'log-test-500@example.com', password: 'Log-Test-Passw0rd!' },
        { headers: { 'x-request-id': 'log-test-500' } },
      ),
    );
    expect(res.status).toBe(500);
    const lines = logs.entries().filter((entry) => entry.requestId === 'log-test-500');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'Unhandled error',
        err: expect.objectContaining({ type: 'QueryFailedError' }),
      }),
      expect.objectContaining({ level: 30, msg: 'request errored', res: { statusCode: 500 } }),
    ]);
  });

  it('does not log liveness probes', async () => {
    const before = logs.lines.length;
    await t.http.get('/health/live', { headers: { 'x-request-id': 'live-probe' } });
    await t.http.get('/metrics');
    expect(logs.entries().some((entry) => entry.requestId === 'live-probe')).toBe(false);
    expect(logs.lines.length).toBeGreaterThan(before);
  });
});
