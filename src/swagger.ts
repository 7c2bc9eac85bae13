import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ACCESS_COOKIE } from './auth/auth-cookies';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Twofold')
    .setDescription(
      'Authentication service: registration, password login, JWT access tokens with rotating refresh tokens, ' +
        'TOTP two-factor authentication, sessions, audit trail and admin operations.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addCookieAuth(ACCESS_COOKIE, { type: 'apiKey', in: 'cookie', name: ACCESS_COOKIE }, 'cookie')
    .addTag('health', 'Kubernetes liveness and readiness probes')
    .addTag('metrics', 'Prometheus metrics')
    .addTag('auth', 'Registration, login, tokens and passwords')
    .addTag('sessions', "The caller's sessions")
    .build();
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI on `/docs`, the OpenAPI 3 document on `/docs-json`. */
export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}
