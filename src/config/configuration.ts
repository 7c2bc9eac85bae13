import { ConfigFactory, registerAs } from '@nestjs/config';
import { AppConfig, readAppConfig } from './app.config';
import { DatabaseConfig, readDatabaseConfig } from './database.config';
import { EnvReader, RawEnv } from './env-reader';
import { JwtConfig, readJwtConfig } from './jwt.config';
import { MailConfig, readMailConfig } from './mail.config';
import { MfaConfig, readMfaConfig } from './mfa.config';
import { OpsConfig, readOpsConfig } from './ops.config';
import { readSecurityConfig, SecurityConfig } from './security.config';

export interface Config {
  app: AppConfig;
  database: DatabaseConfig;
  jwt: JwtConfig;
  mfa: MfaConfig;
  mail: MailConfig;
  security: SecurityConfig;
  ops: OpsConfig;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Reads and validates the whole configuration; throws one error naming every bad variable. */
export function loadConfig(raw: RawEnv): Config {
  const env = new EnvReader(raw);
  const app = readAppConfig(env);
  const database = readDatabaseConfig(env);
  if (app.nodeEnv === 'production' && database.url === undefined && env.raw('DATABASE_URL') === undefined) {
    env.fail('DATABASE_URL', 'is required in production (the embedded database is for development only)');
  }
  const config: Config = {
    app,
    database,
    jwt: readJwtConfig(env, app),
    mfa: readMfaConfig(env, app),
    mail: readMailConfig(env, app),
    security: readSecurityConfig(env, app),
    ops: readOpsConfig(env),
  };
  if (env.errors.length > 0) throw new ConfigValidationError(env.errors);
  return config;
}

/** One `registerAs` namespace per area, read with `ConfigService<Config, true>`. */
export function configFactories(config: Config): ConfigFactory[] {
  return (Object.keys(config) as (keyof Config)[]).map((area) => registerAs(area, () => config[area]));
}
