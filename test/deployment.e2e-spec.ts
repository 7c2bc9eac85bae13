import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/configuration';
import { startTestApp, TestApp } from './support/test-app';

const root = join(__dirname, '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** No Docker engine runs here: the files are parsed and held to the app's real routes and config. */
describe('deployment files', () => {
  let t: TestApp;
  let paths: string[];

  beforeAll(async () => {
    // As compose runs it: probes and metrics on a management port of their own (any free one here).
    t = await startTestApp({ env: { MANAGEMENT_PORT: '0' } });
    paths = Object.keys((await t.http.get('/docs-json')).body.paths);
  });

  afterAll(async () => {
    await t.close();
  });

  it('builds in stages and runs production dependencies as a non-root user', () => {
    const dockerfile = read('docker/Dockerfile');
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/npm install --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const command = (JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[]).join(' ');
    expect(command).toMatch(/^node (--[a-z-]+ )*dist\/src\/main\.js$/);
    expect(read('package.json')).toContain(`"start:prod": "${command}"`);
  });

  it('probes liveness on a route the app serves, on MANAGEMENT_PORT when set', async () => {
    const healthcheck = /HEALTHCHECK[\s\S]*?\/health\/live/.exec(read('docker/Dockerfile'));
    expect(healthcheck?.[0]).toContain('process.env.MANAGEMENT_PORT||process.env.PORT');
    expect(paths).toContain('/health/live');
    expect((await t.management?.get('/health/live'))?.status).toBe(200);
  });

  it('wires the compose stack to PostgreSQL, Redis and an SMTP catcher with valid configuration', () => {
    const compose = parse(read('docker/docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string>; healthcheck?: { test: string[] } }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual([
      'app',
      'grafana',
      'mailpit',
      'postgres',
      'prometheus',
      'redis',
    ]);
    const app = compose.services.app;
    const env = app.environment ?? {};
    expect(env.MANAGEMENT_PORT).toBe('9000');
    expect(app.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${env.MANAGEMENT_PORT}/health/ready`);
    expect(paths).toContain('/health/ready');
    expect(env.DATABASE_URL).toMatch(/@postgres:5432\//);
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.SMTP_URL).toBe('smtp://mailpit:1025');
    expect(env.NODE_ENV).toBe('production');
    expect(() => loadConfig(env)).not.toThrow();
  });

  it('has Prometheus scrape the metrics route and load the alerts, which name only metrics the app exports', async () => {
    const compose = parse(read('docker/docker-compose.yml')) as {
      services: Record<string, { volumes?: string[]; ports?: string[]; environment?: Record<string, string> }>;
    };
    expect(compose.services.prometheus.volumes).toEqual(
      expect.arrayContaining([
        './prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
        './prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro',
      ]),
    );
    const prometheus = parse(read('docker/prometheus/prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: { metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    expect(prometheus.rule_files).toEqual(['alerts.yml']);
    const [scrape] = prometheus.scrape_configs;
    // Prometheus reaches the management port on the compose network; the host never sees it.
    const managementPort = compose.services.app.environment?.MANAGEMENT_PORT;
    expect(scrape.static_configs[0].targets).toEqual([`app:${managementPort}`]);
    expect(compose.services.app.ports?.some((port) => port.endsWith(`:${managementPort}`))).toBe(false);
    expect(paths).toContain(scrape.metrics_path);

    const exported = (await t.management?.get(scrape.metrics_path))?.text;
    const alerts = parse(read('docker/prometheus/alerts.yml')) as { groups: { rules: { expr: string }[] }[] };
    const used = new Set(
      alerts.groups.flatMap((group) => group.rules.flatMap((rule) => rule.expr.match(/\bauth_[a-z_]+/g) ?? [])),
    );
    expect(used.size).toBeGreaterThan(4);
    for (const name of used) expect(exported).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
  });
});
