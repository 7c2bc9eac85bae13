import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { registerUser } from './factories/user.factory';
import { SeriesSelector, seriesSelectors } from './support/promql-selectors';
import { startTestApp, TestApp } from './support/test-app';

const dockerDir = join(__dirname, '..', 'docker');
const read = (path: string): string => readFileSync(join(dockerDir, path), 'utf8');

interface Target {
  refId: string;
  expr: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string }[] };
}
interface ComposeService {
  image?: string;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[];
  environment?: Record<string, string>;
}

const dashboard = JSON.parse(read('grafana/dashboards/twofold.json')) as Dashboard;
const compose = parse(read('docker-compose.yml')) as { services: Record<string, ComposeService> };
const grafana = compose.services.grafana;
const queryPanels = dashboard.panels.filter((panel) => panel.type !== 'row');

/** The host file or directory (relative to docker/) that the Grafana container sees at `containerPath`. */
function hostPathOf(containerPath: string): string | undefined {
  for (const volume of grafana.volumes ?? []) {
    const [host, target] = volume.split(':');
    const inside = posix.relative(target, containerPath);
    if (!inside.startsWith('..')) return join(dockerDir, host, inside);
  }
  return undefined;
}

/** The samples of a /metrics scrape by name, and each family's `# TYPE`. */
function readExposition(text: string) {
  const types = new Map<string, string>();
  const samples = new Map<string, Record<string, string>[]>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
    );
    samples.set(sample[1], [...(samples.get(sample[1]) ?? []), labels]);
  }
  return { types, samples };
}

/** counter, gauge, or histogram_part for a histogram's _bucket, _sum and _count series. */
function kindOf(metric: string, types: Map<string, string>): string | undefined {
  const histogram = /^(.*)_(?:bucket|sum|count)$/.exec(metric);
  if (histogram && types.get(histogram[1]) === 'histogram') return 'histogram_part';
  return types.get(metric);
}

/** What a selector needs from the scrape that it can't do without; an empty list when it's all there. */
function problemsOf(selector: SeriesSelector, scrape: ReturnType<typeof readExposition>): string[] {
  const series = scrape.samples.get(selector.metric);
  if (!series) return ['not exported'];
  const problems: string[] = [];
  const kind = kindOf(selector.metric, scrape.types);
  if (['rate', 'irate', 'increase'].includes(selector.within) && kind !== 'counter' && kind !== 'histogram_part') {
    problems.push(`${selector.within}() of a ${kind}`);
  }
  for (const { label, op, value } of selector.matchers) {
    const values = new Set(series.map((labels) => labels[label]).filter((v) => v !== undefined));
    if (values.size === 0) problems.push(`no label ${label}`);
    else if (op === '=' && !value.includes('$') && !values.has(value))
      problems.push(`no series with ${label}="${value}"`);
  }
  return problems;
}

describe('Grafana dashboard', () => {
  const prefix = `twofold-test-${randomUUID()}:`;
  let t: TestApp;
  let scrape: ReturnType<typeof readExposition>;

  beforeAll(async () => {
    // As in the compose stack: rate limits on, counted in Redis.
    t = await startTestApp({
      env: {
        RATE_LIMIT_ENABLED: 'true',
        RATE_LIMIT_LOGIN: '2/min',
        REDIS_URL: 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: prefix,
      },
    });
    const user = await registerUser(t.http);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await t.http.post('/api/v1/auth/login', { email: user.email, password: user.password })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const prometheus = parse(read('prometheus/prometheus.yml')) as { scrape_configs: { metrics_path: string }[] };
    const res = await t.http.get(prometheus.scrape_configs[0].metrics_path);
    expect(res.status).toBe(200);
    scrape = readExposition(res.text);
  });

  afterAll(async () => {
    await t.close();
    const redis = new Redis('redis://127.0.0.1:6379');
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('queries only series the service exports, with the labels and label values it gives them', () => {
    const problems = queryPanels.flatMap((panel) =>
      (panel.targets ?? []).flatMap((target) =>
        seriesSelectors(target.expr).flatMap((selector) =>
          problemsOf(selector, scrape).map(
            (problem) => `${panel.title} (${target.refId}): ${selector.metric}: ${problem}`,
          ),
        ),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('has a query on every panel and covers the rollout metrics', () => {
    const blind = queryPanels.filter(
      (panel) => !panel.targets?.length || panel.targets.some((target) => seriesSelectors(target.expr).length === 0),
    );
    expect(blind.map((panel) => panel.title)).toEqual([]);
    const used = new Set(
      queryPanels.flatMap((panel) =>
        (panel.targets ?? []).flatMap((target) => seriesSelectors(target.expr).map((s) => s.metric)),
      ),
    );
    expect([...used]).toEqual(
      expect.arrayContaining([
        'auth_logins_total',
        'auth_totp_verify_total',
        'auth_magiclink_requests_total',
        'auth_magiclink_verifications_total',
        'auth_account_lockouts_total',
        'auth_sessions_created_total',
        'auth_sessions_revoked_total',
        'auth_mfa_enabled_users',
        'auth_users',
        'auth_backup_codes_used_total',
        'http_request_duration_seconds_bucket',
        'http_request_duration_seconds_count',
      ]),
    );
  });

  it('reads the PromQL it checks: functions, aggregations, matchers, ranges and Grafana variables', () => {
    expect(
      seriesSelectors(
        'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{route!~"/metrics"}[$__rate_interval])))' +
          ' / on() group_left max(auth_mfa_enabled_users offset 10m) or vector(0)',
      ),
    ).toEqual([
      {
        metric: 'http_request_duration_seconds_bucket',
        matchers: [{ label: 'route', op: '!~', value: '/metrics' }],
        within: 'rate',
      },
      { metric: 'auth_mfa_enabled_users', matchers: [], within: 'max' },
    ]);
    expect(() => seriesSelectors('sum(rate({__name__="auth_logins_total"}[5m]))')).toThrow(/without a metric name/);
    expect(() => seriesSelectors('sum(rate(auth_logins_total[5m])')).toThrow(/Unbalanced/);
  });

  it('lays out uniquely numbered panels on the 24-column grid without overlaps', () => {
    expect(dashboard.uid).toBe('twofold-auth');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    expect(new Set(dashboard.panels.map((panel) => panel.id)).size).toBe(dashboard.panels.length);
    const overlaps: string[] = [];
    dashboard.panels.forEach((a, index) => {
      expect(a.gridPos.x + a.gridPos.w).toBeLessThanOrEqual(24);
      for (const b of dashboard.panels.slice(index + 1)) {
        const apart =
          a.gridPos.x + a.gridPos.w <= b.gridPos.x ||
          b.gridPos.x + b.gridPos.w <= a.gridPos.x ||
          a.gridPos.y + a.gridPos.h <= b.gridPos.y ||
          b.gridPos.y + b.gridPos.h <= a.gridPos.y;
        if (!apart) overlaps.push(`${a.title} / ${b.title}`);
      }
    });
    expect(overlaps).toEqual([]);
  });

  it('queries Prometheus through its data source variable', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    for (const panel of queryPanels) {
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      for (const target of panel.targets ?? []) expect(target.datasource).toEqual(panel.datasource);
    }
  });

  it('is provisioned by the compose stack with Prometheus as its data source', () => {
    expect(grafana.image).toMatch(/^grafana\/grafana:\d+\.\d+\.\d+$/);
    expect(grafana.depends_on).toContain('prometheus');
    expect(grafana.ports).toEqual(['3001:3000']);

    const provisioning = hostPathOf('/etc/grafana/provisioning');
    expect(provisioning && existsSync(provisioning)).toBe(true);
    const datasources = parse(readFileSync(join(provisioning!, 'datasources', 'prometheus.yml'), 'utf8')) as {
      datasources: { type: string; url: string; isDefault: boolean; jsonData: { timeInterval: string } }[];
    };
    const [datasource] = datasources.datasources;
    expect(datasource).toEqual(expect.objectContaining({ type: 'prometheus', isDefault: true }));
    const url = new URL(datasource.url);
    expect(compose.services).toHaveProperty(url.hostname);
    expect(compose.services[url.hostname].ports).toContain(`${url.port}:${url.port}`);
    const prometheus = parse(read('prometheus/prometheus.yml')) as { global: { scrape_interval: string } };
    expect(datasource.jsonData.timeInterval).toBe(prometheus.global.scrape_interval);

    const providers = parse(readFileSync(join(provisioning!, 'dashboards', 'dashboards.yml'), 'utf8')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const [provider] = providers.providers;
    expect(provider.type).toBe('file');
    const dashboards = hostPathOf(provider.options.path);
    expect(dashboards && relative(dockerDir, dashboards)).toBe(join('grafana', 'dashboards'));
    const homePath = grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(homePath).toMatch(/^\//);
    const home = hostPathOf(homePath!);
    expect(home && relative(dockerDir, home)).toBe(join('grafana', 'dashboards', 'twofold.json'));
  });
});
