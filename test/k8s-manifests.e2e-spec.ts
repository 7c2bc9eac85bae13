import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigValidationError, loadConfig } from '../src/config/configuration';
import { startTestApp, TestApp } from './support/test-app';

const root = join(__dirname, '..');
const k8sDir = join(root, 'docker', 'k8s');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

type Labels = Record<string, string>;
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodTemplate {
  metadata: { labels: Labels; annotations?: Labels };
  spec: {
    containers: Container[];
    restartPolicy?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: SecurityContext;
    volumes?: { name: string; emptyDir?: object }[];
    affinity?: { podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: unknown[] } };
  };
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Labels };
  // Kind-specific parts, read through the narrower views below.
  [key: string]: unknown;
}
interface Deployment extends Resource {
  spec: {
    replicas: number;
    selector: { matchLabels: Labels };
    strategy: { type: string; rollingUpdate: { maxUnavailable: number | string; maxSurge: number | string } };
    template: PodTemplate;
  };
}
interface Job extends Resource {
  spec: { backoffLimit?: number; ttlSecondsAfterFinished?: number; template: PodTemplate };
}
interface Service extends Resource {
  spec: { type?: string; selector: Labels; ports: { port: number; targetPort: string | number }[] };
}
interface Hpa extends Resource {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas: number;
    maxReplicas: number;
    metrics: { type: string; resource?: { name: string; target: { type: string; averageUtilization?: number } } }[];
  };
}
interface Pdb extends Resource {
  spec: { minAvailable?: number; maxUnavailable?: number; selector: { matchLabels: Labels } };
}
interface ConfigMap extends Resource {
  data: Record<string, unknown>;
}
interface Secret extends Resource {
  stringData: Record<string, unknown>;
}

/** Every YAML document of a file (multi-document safe); a syntax error fails the test with the file name. */
function parseFile(file: string): Resource[] {
  const documents = parseAllDocuments(readFileSync(join(k8sDir, file), 'utf8'));
  return documents
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
      return document.toJS() as Resource | null;
    })
    .filter((resource): resource is Resource => resource !== null);
}

const matches = (selector: Labels, labels: Labels): boolean =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

/** A probe or Service port is a container port number or the name of one. */
function resolvePort(container: Container, port: string | number): number | undefined {
  return typeof port === 'number'
    ? container.ports?.find((p) => p.containerPort === port)?.containerPort
    : container.ports?.find((p) => p.name === port)?.containerPort;
}

/** What the app sees: ConfigMap, then Secret (envFrom order), then the container's own literal env. */
function podEnv(container: Container, configMap: ConfigMap, secret: Secret): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef?.name === configMap.metadata.name) Object.assign(env, configMap.data as Labels);
    if (source.secretRef?.name === secret.metadata.name) Object.assign(env, secret.stringData as Labels);
  }
  for (const variable of container.env ?? []) if (variable.value !== undefined) env[variable.name] = variable.value;
  return env;
}

/** The kubelet applies the container's securityContext over the pod's. */
const effectiveSecurity = (template: PodTemplate, container: Container): SecurityContext => ({
  ...template.spec.securityContext,
  ...container.securityContext,
});

/** No cluster runs here: the manifests are parsed and held to the app's real routes and configuration. */
describe('Kubernetes manifests (docker/k8s)', () => {
  const files = readdirSync(k8sDir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const parsed = new Map(files.map((file) => [file, parseFile(file)]));
  const kustomization = parsed.get('kustomization.yaml')?.[0] as Resource & { resources: string[] };
  const applied = (kustomization?.resources ?? []).flatMap((file) => parsed.get(file) ?? []);
  const one = <T extends Resource>(kind: string): T => {
    const found = applied.filter((resource) => resource.kind === kind);
    expect(found).toHaveLength(1);
    return found[0] as T;
  };
  const exampleSecret = (parsed.get('secret.example.yaml') ?? [])[0] as Secret;
  const dotenvNames = new Set(
    read('.env.example')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );

  let t: TestApp;
  let routes: string[];

  beforeAll(async () => {
    // As the ConfigMap runs it: probes and metrics on a management port of their own (any free one here).
    t = await startTestApp({ env: { MANAGEMENT_PORT: '0' } });
    routes = Object.keys((await t.http.get('/docs-json')).body.paths);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('parses every manifest, and the kustomization lists every file but itself and the example Secret', () => {
    expect(files).toEqual(expect.arrayContaining(['kustomization.yaml', 'secret.example.yaml']));
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((file) => file !== 'kustomization.yaml' && file !== 'secret.example.yaml'),
    );
    for (const resource of applied) {
      expect(resource.apiVersion).toEqual(expect.any(String));
      expect(resource.metadata.name).toEqual(expect.any(String));
      expect(resource.metadata.labels?.['app.kubernetes.io/name']).toBe('twofold');
    }
    expect(applied.map((resource) => resource.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Job',
      'PodDisruptionBudget',
      'Service',
    ]);
    // Real secrets never go through the repository's kustomization.
    expect(applied.some((resource) => resource.kind === 'Secret')).toBe(false);
    expect(exampleSecret.kind).toBe('Secret');
  });

  it('runs 2 replicas that roll without losing capacity and prefer separate nodes', () => {
    const deployment = one<Deployment>('Deployment');
    expect(deployment.apiVersion).toBe('apps/v1');
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 0, maxSurge: 1 },
    });
    const template = deployment.spec.template;
    expect(matches(deployment.spec.selector.matchLabels, template.metadata.labels)).toBe(true);
    const [term] = template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution as {
      podAffinityTerm: { topologyKey: string; labelSelector: { matchLabels: Labels } };
    }[];
    expect(term.podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(matches(term.podAffinityTerm.labelSelector.matchLabels, template.metadata.labels)).toBe(true);
  });

  it('probes routes the app serves, on the management port the ConfigMap makes it listen on', async () => {
    const deployment = one<Deployment>('Deployment');
    const configMap = one<ConfigMap>('ConfigMap');
    const [container] = deployment.spec.template.spec.containers;
    const http = container.ports?.find((port) => port.name === 'http');
    const management = container.ports?.find((port) => port.name === 'management');
    expect(http?.containerPort).toBe(Number(configMap.data.PORT));
    expect(management?.containerPort).toBe(Number(configMap.data.MANAGEMENT_PORT));
    expect(management?.containerPort).not.toBe(http?.containerPort);

    const { startupProbe, livenessProbe, readinessProbe } = container;
    expect(livenessProbe?.httpGet?.path).toBe('/health/live');
    expect(readinessProbe?.httpGet?.path).toBe('/health/ready');
    expect(['/health/live', '/health/ready']).toContain(startupProbe?.httpGet?.path);
    // Generous: a slow first boot must not be killed by liveness in a restart loop.
    expect((startupProbe?.periodSeconds ?? 10) * (startupProbe?.failureThreshold ?? 3)).toBeGreaterThanOrEqual(60);
    for (const probe of [startupProbe, livenessProbe, readinessProbe]) {
      expect(routes).toContain(probe?.httpGet?.path);
      expect(resolvePort(container, probe?.httpGet?.port ?? -1)).toBe(management?.containerPort);
      expect((await t.management?.get(probe?.httpGet?.path ?? ''))?.status).toBe(200);
      expect((await t.http.get(probe?.httpGet?.path ?? '')).status).toBe(404);
    }
    // Prometheus scrapes the pods on the management port, where /metrics is.
    const annotations = deployment.spec.template.metadata.annotations ?? {};
    expect(Number(annotations['prometheus.io/port'])).toBe(management?.containerPort);
    expect((await t.management?.get(annotations['prometheus.io/path']))?.status).toBe(200);
  });

  it('runs as a non-root user on a read-only root filesystem, with writable emptyDirs for /tmp and DATA_DIR', () => {
    const configMap = one<ConfigMap>('ConfigMap');
    for (const workload of [one<Deployment>('Deployment'), one<Job>('Job')]) {
      const template = workload.spec.template;
      for (const container of template.spec.containers) {
        const security = effectiveSecurity(template, container);
        expect(security).toMatchObject({
          runAsNonRoot: true,
          runAsUser: 1000,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(security.privileged).not.toBe(true);
        expect(security.capabilities?.drop).toEqual(['ALL']);
        expect(security.capabilities?.add ?? []).toEqual([]);

        for (const path of ['/tmp', String(configMap.data.DATA_DIR)]) {
          const mount = container.volumeMounts?.find((m) => m.mountPath === path);
          expect(mount).toBeDefined();
          expect(template.spec.volumes?.find((volume) => volume.name === mount?.name)?.emptyDir).toBeDefined();
        }
        expect(container.resources?.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources?.limits).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      }
    }
    // The image's user is the one the manifests name.
    expect(read('docker/Dockerfile')).toMatch(/^USER node$/m);
  });

  it('gives a stopping pod more time than the app takes to drain and shut down, and leaves migrations to the Job', () => {
    const deployment = one<Deployment>('Deployment');
    const configMap = one<ConfigMap>('ConfigMap');
    const [container] = deployment.spec.template.spec.containers;
    const env = podEnv(container, configMap, exampleSecret);
    const delay = Number(env.SHUTDOWN_DELAY_MS);
    const timeout = Number(env.SHUTDOWN_TIMEOUT_MS);
    expect(delay).toBeGreaterThan(0);
    // The timeout counts from SIGTERM, the delay included: it must leave time to finish requests.
    expect(timeout).toBeGreaterThan(delay);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan((delay + timeout) / 1000);
    expect(env.MIGRATIONS_RUN).toBe('false');
  });

  it('names in the ConfigMap and the example Secret only variables of .env.example', () => {
    const configMap = one<ConfigMap>('ConfigMap');
    expect(dotenvNames.size).toBeGreaterThan(40);
    for (const [name, value] of [...Object.entries(configMap.data), ...Object.entries(exampleSecret.stringData)]) {
      expect({ name, known: dotenvNames.has(name) }).toEqual({ name, known: true });
      // Unquoted YAML numbers and booleans would be rejected by the API server in a ConfigMap.
      expect({ name, type: typeof value }).toEqual({ name, type: 'string' });
    }
    expect(Object.keys(exampleSecret.stringData).sort()).toEqual(
      [
        'ADMIN_EMAIL',
        'ADMIN_PASSWORD',
        'DATABASE_URL',
        'JWT_SECRET',
        'MFA_ENCRYPTION_KEY',
        'REDIS_URL',
        'SMTP_URL',
      ].sort(),
    );
    // Secrets stay out of the ConfigMap.
    for (const name of Object.keys(exampleSecret.stringData)) expect(configMap.data).not.toHaveProperty(name);
  });

  it('is a production configuration the app accepts once the two keys are generated, and refuses as shipped', () => {
    const deployment = one<Deployment>('Deployment');
    const configMap = one<ConfigMap>('ConfigMap');
    const [container] = deployment.spec.template.spec.containers;
    const env = podEnv(container, configMap, exampleSecret);

    // Unedited, the example must not boot anywhere: exactly the two keys to generate are refused.
    let problems: string[] = [];
    try {
      loadConfig(env);
    } catch (error) {
      if (!(error instanceof ConfigValidationError)) throw error;
      problems = error.problems;
    }
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['JWT_SECRET', 'MFA_ENCRYPTION_KEY']);

    const config = loadConfig({
      ...env,
      JWT_SECRET: randomBytes(32).toString('hex'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    });
    expect(config.app.nodeEnv).toBe('production');
    expect(config.app.port).toBe(container.ports?.find((port) => port.name === 'http')?.containerPort);
    expect(config.app.managementPort).toBe(container.ports?.find((port) => port.name === 'management')?.containerPort);
    expect(config.app.dataDir).toBe(configMap.data.DATA_DIR);
    expect(config.app.trustProxy).toBe(1);
    expect(config.app.publicUrl).toMatch(/^https:\/\//);
    expect(config.database.url).toMatch(/^postgresql:\/\//);
    expect(config.database.migrationsRun).toBe(false);
    expect(config.mail.smtpUrl).toMatch(/^smtps?:\/\//);
    expect(config.ops.redisUrl).toMatch(/^rediss?:\/\//);
    expect(config.security.cookieSecure).toBe(true);
  });

  it('migrates in a one-off Job with the same image, configuration and hardening as the Deployment', () => {
    const deployment = one<Deployment>('Deployment');
    const job = one<Job>('Job');
    const service = one<Service>('Service');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.metadata.name).toBe('twofold-migrate');
    const [api] = deployment.spec.template.spec.containers;
    const [migrate] = job.spec.template.spec.containers;
    expect([...(migrate.command ?? []), ...(migrate.args ?? [])]).toEqual(['node', 'dist/src/cli/main.js', 'migrate']);
    // The entry point `npm run cli` runs (after its launcher checks the build), relative to the image's
    // WORKDIR where dist/ is copied.
    expect(read('package.json')).toContain('"cli": "node scripts/cli.mjs"');
    expect(read('scripts/cli.mjs')).toContain("join(root, 'dist', 'src', 'cli', 'main.js')");
    expect(read('docker/Dockerfile')).toMatch(/^WORKDIR \/app$/m);
    expect(read('docker/Dockerfile')).toMatch(/^COPY --from=build .*\/app\/dist \.\/dist$/m);
    expect(migrate.image).toBe(api.image);
    expect(migrate.envFrom).toEqual(api.envFrom);
    expect(job.spec.template.spec.securityContext).toEqual(deployment.spec.template.spec.securityContext);
    expect(migrate.securityContext).toEqual(api.securityContext);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
    expect(job.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    // Migration pods never receive API traffic.
    expect(matches(service.spec.selector, job.spec.template.metadata.labels)).toBe(false);
  });

  it('runs a migrate command the operator CLI knows', () => {
    // The command is being added with the rest of the CLI (issue 7); without it the Job fails every release.
    const knowsMigrate = /['"]migrate['"]/.test(read('src/cli/main.ts'));
    expect({ 'src/cli/main.ts knows "migrate"': knowsMigrate }).toEqual({ 'src/cli/main.ts knows "migrate"': true });
  });

  it('autoscales the Deployment on CPU from at least 2 replicas', () => {
    const deployment = one<Deployment>('Deployment');
    const hpa = one<Hpa>('HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(deployment.spec.replicas);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics).toContainEqual({
      type: 'Resource',
      resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
    });
    // Utilization is measured against the request: without one the HPA has nothing to scale on.
    expect(deployment.spec.template.spec.containers[0].resources?.requests?.cpu).toBeDefined();
  });

  it('keeps a pod through voluntary disruptions, selecting exactly the API pods', () => {
    const deployment = one<Deployment>('Deployment');
    const pdb = one<Pdb>('PodDisruptionBudget');
    expect(pdb.apiVersion).toBe('policy/v1');
    expect(pdb.spec.minAvailable).toBe(1);
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
    expect(matches(pdb.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
    expect(matches(pdb.spec.selector.matchLabels, one<Job>('Job').spec.template.metadata.labels)).toBe(false);
  });

  it('exposes the container port through a ClusterIP Service on port 80, and the management port nowhere', () => {
    const deployment = one<Deployment>('Deployment');
    const service = one<Service>('Service');
    const [container] = deployment.spec.template.spec.containers;
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(matches(service.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    const [port, ...others] = service.spec.ports;
    expect(others).toEqual([]);
    expect(port.port).toBe(80);
    expect(resolvePort(container, port.targetPort)).toBe(Number(one<ConfigMap>('ConfigMap').data.PORT));
  });
});
