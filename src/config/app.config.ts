import { isAbsolute, resolve } from 'node:path';
import { EnvReader } from './env-reader';

export const NODE_ENVS = ['development', 'production', 'test'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  /**
   * Where the probes (`/health/*`) and `/metrics` are served instead of `port`, so they need not be public;
   * undefined: on `port` with the API.
   */
  managementPort: number | undefined;
  host: string;
  publicUrl: string;
  dataDir: string;
  corsOrigins: string[];
  /** Number of reverse-proxy hops whose X-Forwarded-For entries are trusted; 0 trusts none. */
  trustProxy: number;
  logLevel: LogLevel;
  /** How long readiness answers 503 before the server stops accepting connections. */
  shutdownDelayMs: number;
  /** The longest a shutdown may wait for in-flight requests before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Serve Swagger UI and the OpenAPI document (`/docs`, `/docs-json`, `/docs-yaml`). */
  docsEnabled: boolean;
}

export function readAppConfig(env: EnvReader): AppConfig {
  const nodeEnv = env.oneOf('NODE_ENV', NODE_ENVS, 'development');
  const port = env.int('PORT', 3000, 0, 65535);
  const dataDir = env.string('DATA_DIR', './data');
  const managementPort = env.raw('MANAGEMENT_PORT') === undefined ? undefined : env.int('MANAGEMENT_PORT', 0, 0, 65535);
  if (managementPort !== undefined && managementPort !== 0 && managementPort === port) {
    env.fail('MANAGEMENT_PORT', 'must differ from PORT (unset it to serve probes and metrics on PORT)');
  }
  return {
    nodeEnv,
    port,
    managementPort,
    host: env.string('HOST', '0.0.0.0'),
    publicUrl: (env.url('PUBLIC_URL', `http://localhost:${port}`, ['http:', 'https:']) ?? '').replace(/\/+$/, ''),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(process.cwd(), dataDir),
    corsOrigins: env.list('CORS_ORIGINS'),
    trustProxy: env.int('TRUST_PROXY', 0, 0, 10),
    logLevel: env.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownDelayMs: env.int('SHUTDOWN_DELAY_MS', nodeEnv === 'production' ? 5000 : 0, 0, 120_000),
    shutdownTimeoutMs: env.int('SHUTDOWN_TIMEOUT_MS', 10_000, 1000, 300_000),
    docsEnabled: env.bool('DOCS_ENABLED', true),
  };
}
