import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { createApp } from './app.factory';
import { listeningMessage } from './common/http/listening-message';
import { ConfigValidationError, loadConfig } from './config/configuration';
import { DataDirInUseError } from './database/data-dir-lock';
import { ManagementListener } from './health/management-listener';
import { installShutdown } from './shutdown';

async function bootstrap(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = loadConfig(process.env);
  const app = await createApp(config);
  installShutdown(app, config.app.shutdownTimeoutMs);
  await app.listen({ port: config.app.port, host: config.app.host });
  const management = await app.get(ManagementListener).listen();
  new Logger('Main').log(listeningMessage(app.getHttpServer().address() as AddressInfo, management));
}

bootstrap().catch((error: unknown) => {
  // The logger may not exist yet: configuration errors are reported on stderr, one line per variable.
  const message =
    error instanceof ConfigValidationError || error instanceof DataDirInUseError
      ? error.message
      : String((error as Error)?.stack ?? error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
