/**
 * `npm run openapi:lint` step 1: writes the OpenAPI document to the file named by the first argument,
 * without a database or a listening port. Nest's preview mode registers the modules and controllers but
 * builds no provider, which is all the document needs; RouterModule is let through so the API routes
 * keep their /api/v1 prefix. Built by `nest build -p test/openapi/tsconfig.build.json` (the Swagger
 * plugin turns the DTOs and JSDoc into schemas and descriptions, as for the service).
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { InitializeOnPreviewAllowlist, NestFactory, RouterModule } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/configuration';
import { buildOpenApiDocument } from '../../src/swagger';

async function writeDocument(path: string): Promise<void> {
  // Explicit secrets: development defaults would be generated into DATA_DIR.
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'openapi-'.repeat(5),
    MFA_ENCRYPTION_KEY: '0f'.repeat(32),
  });
  InitializeOnPreviewAllowlist.add(RouterModule);
  const app = await NestFactory.create(AppModule.register(config), new FastifyAdapter(), {
    preview: true,
    logger: false,
  });
  writeFileSync(path, `${JSON.stringify(buildOpenApiDocument(app, config.app.publicUrl), null, 2)}\n`);
  await app.close();
}

const [path] = process.argv.slice(2);
if (!path) {
  process.stderr.write('usage: node write-document.js <output.json>\n');
  process.exit(2);
}
writeDocument(path).catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
