import { startTestApp, TestApp } from './support/test-app';

describe('health, docs and metrics', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers liveness without a database check', async () => {
    const res = await t.http.get('/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('reports ready with database, migrations and redis checks', async () => {
    for (const path of ['/health/ready', '/health']) {
      const res = await t.http.get(path);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
      expect(res.body.details.database.status).toBe('up');
      expect(res.body.details.migrations.status).toBe('up');
      expect(res.body.details.redis).toEqual({ status: 'up', message: 'not configured' });
    }
  });

  it('echoes a sane X-Request-ID and replaces an unsafe one', async () => {
    const sane = await t.http.get('/health/live', { headers: { 'x-request-id': 'client-req.42:a_b' } });
    expect(sane.headers.get('x-request-id')).toBe('client-req.42:a_b');

    const unsafe = await t.http.get('/health/live', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const long = await t.http.get('/health/live', { headers: { 'x-request-id': 'a'.repeat(200) } });
    expect(long.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with the JSON error shape and the request id', async () => {
    const res = await t.http.get('/api/v1/no-such-route', { headers: { 'x-request-id': 'rid-404' } });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: expect.any(String),
      requestId: 'rid-404',
    });
  });

  it('sends the security headers on pages, errors and docs, without HSTS outside production', async () => {
    for (const path of ['/health/live', '/api/v1/no-such-route', '/docs']) {
      const res = await t.http.get(path);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('exposes an HTTP duration histogram labelled by route template', async () => {
    await t.http.get('/health/live');
    await t.http.request('HEAD', '/health/live');
    await t.http.request('DELETE', '/api/v1/sessions/7b0b2f9e-2f64-4c57-9a0e-3d4a5c6b7d8e');
    await t.http.get('/api/v1/unknown/123');
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/health\/live",status_code="200"\} [1-9]/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="HEAD",route="\/health\/live",status_code="200"\} 1\n/,
    );
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="DELETE",route="\/api\/v1\/sessions\/:id",status_code="401"\} 1\n/,
    );
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\}/);
    expect(res.text).not.toContain('/api/v1/unknown/123');
    expect(res.text).not.toContain('7b0b2f9e');
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  it('serves Swagger UI and an OpenAPI 3 document', async () => {
    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
    const doc = await t.http.get('/docs-json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(doc.body.components.securitySchemes).toEqual(
      expect.objectContaining({
        bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
        cookie: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'access_token' }),
      }),
    );
  });

  it('documents every route with a summary, a tag and a response schema', async () => {
    const doc = (await t.http.get('/docs-json')).body as {
      paths: Record<string, Record<string, { summary?: string; tags?: string[]; responses: Record<string, any> }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThan(0);
    const problems = operations.flatMap(({ route, operation }) => {
      const found: string[] = [];
      if (!operation.summary) found.push(`${route}: no summary`);
      if (!operation.tags?.length) found.push(`${route}: no tag`);
      const success = Object.entries(operation.responses).filter(([status]) => /^2/.test(status));
      if (success.length === 0) found.push(`${route}: no success response`);
      for (const [status, response] of success) {
        if (status !== '204' && !response.content) found.push(`${route}: ${status} has no schema`);
      }
      return found;
    });
    expect(problems).toEqual([]);
  });
});
