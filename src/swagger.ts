import { INestApplication, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ConfigService } from '@nestjs/config';
import { ModulesContainer } from '@nestjs/core';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ACCESS_COOKIE } from './auth/auth-cookies';
import { ApiErrors, ErrorDoc } from './common/decorators/api-errors.decorator';
import { ErrorResponseDto } from './common/dto/error-response.dto';
import { Config } from './config/configuration';

/** What the request pipeline (app.factory's hooks, the body parser, the global pipe and interceptor) refuses. */
const PIPELINE_ERRORS = {
  every: [{ status: 400, code: 'invalid_header', description: 'The User-Agent header holds a control character' }],
  parameters: [
    { status: 400, description: 'A path or query parameter fails validation; `message` lists every problem' },
  ],
  pathParameters: [
    { status: 400, code: 'bad_url', description: 'The URL is not validly percent-encoded' },
    { status: 414, code: 'uri_too_long', description: 'A path parameter is longer than 100 characters' },
  ],
  body: [
    {
      status: 400,
      description:
        'The body fails validation (a missing, malformed or unknown field, text that is not well-formed Unicode ' +
        'or holds a control character); `message` lists every problem',
    },
    { status: 400, code: 'invalid_json', description: 'The body is not valid JSON' },
    { status: 400, code: 'json_too_deep', description: 'The body nests arrays or objects deeper than 32 levels' },
    { status: 400, code: 'invalid_content_length', description: 'Content-Length does not match the body' },
    { status: 413, code: 'payload_too_large', description: 'The body is larger than 100 kB' },
    { status: 415, code: 'unsupported_media_type', description: 'The body is not `application/json`' },
  ],
  noBody: [{ status: 400, description: 'A body was sent, and this operation takes none' }],
} satisfies Record<string, ErrorDoc[]>;

/** The pipeline's errors a route can meet: by its parameters, and whether it takes a body. */
function pipelineErrors(controller: object, name: string, handler: object): ErrorDoc[] {
  const args = Object.keys((Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, name) ?? {}) as object);
  const takes = (type: RouteParamtypes) => args.some((arg) => arg.startsWith(`${type}:`));
  const path = `${String(Reflect.getMetadata(PATH_METADATA, controller))}/${String(Reflect.getMetadata(PATH_METADATA, handler))}`;
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
  return [
    ...PIPELINE_ERRORS.every,
    ...(takes(RouteParamtypes.PARAM) || takes(RouteParamtypes.QUERY) ? PIPELINE_ERRORS.parameters : []),
    ...(path.includes(':') ? PIPELINE_ERRORS.pathParameters : []),
    ...(takes(RouteParamtypes.BODY) ? PIPELINE_ERRORS.body : []),
    // Fastify reads no body on GET, so only other methods meet BodylessRouteGuard's refusal.
    ...(!takes(RouteParamtypes.BODY) && method !== RequestMethod.GET ? PIPELINE_ERRORS.noBody : []),
  ];
}

/** Adds the pipeline's errors to every route's documentation (once: ApiErrors ignores what it already has). */
function documentPipelineErrors(app: INestApplication): void {
  for (const module of app.get(ModulesContainer).values()) {
    for (const { metatype } of module.controllers.values()) {
      const prototype = (metatype as { prototype: object }).prototype;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
        const handler = descriptor?.value as object | undefined;
        if (!descriptor || typeof handler !== 'function' || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
        ApiErrors(...pipelineErrors(metatype as object, name, handler))(prototype, name, descriptor);
      }
    }
  }
}

/** The OpenAPI 3 document of every route, with `publicUrl` (PUBLIC_URL) as its server. */
export function buildOpenApiDocument(app: INestApplication, publicUrl: string): OpenAPIObject {
  documentPipelineErrors(app);
  const config = new DocumentBuilder()
    .setTitle('Twofold')
    .setDescription(
      'Authentication service: registration, password login, JWT access tokens with rotating refresh tokens, ' +
        'TOTP two-factor authentication, sessions, audit trail and admin operations.\n\n' +
        'Every error answers with `ErrorResponseDto`; its `code` is the stable reason to branch on, and each ' +
        "operation's error responses list the codes they can carry.",
    )
    .setVersion('1')
    .addServer(publicUrl, 'This deployment (PUBLIC_URL)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addCookieAuth(ACCESS_COOKIE, { type: 'apiKey', in: 'cookie', name: ACCESS_COOKIE }, 'cookie')
    .addTag('auth', 'Registration, login (password, 2FA, magic link), tokens, passwords and email verification')
    .addTag('2fa', 'Two-factor authentication with TOTP: enrollment, status, backup codes, turning it off')
    .addTag('devices', 'Remembered devices: the browsers that skip the second factor, and forgetting them')
    .addTag('passkeys', 'Passkeys (WebAuthn) as second factors: registering, listing, renaming, removing')
    .addTag('sessions', "The caller's sessions: list, timeouts, ending them")
    .addTag('users', "The caller's own data: export and account deletion")
    .addTag('admin', 'Support and operations: users, audit trail, feature flags, statistics (role admin)')
    .addTag('health', 'Kubernetes liveness and readiness probes')
    .addTag('metrics', 'Prometheus metrics')
    .build();
  return SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponseDto] });
}

/** Swagger UI on `/docs`, the OpenAPI 3 document on `/docs-json` and `/docs-yaml`; nothing when DOCS_ENABLED=false. */
export function setupSwagger(app: INestApplication): void {
  const config = app.get<ConfigService<Config, true>>(ConfigService);
  if (!config.get('app.docsEnabled', { infer: true })) return;
  const publicUrl = config.get('app.publicUrl', { infer: true });
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app, publicUrl), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
  });
}
