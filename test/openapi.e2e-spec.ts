import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { DOMAIN_ERRORS } from '../src/domain-errors';
import { UserError } from '../src/users/user.exception';
import { startTestApp, TestApp } from './support/test-app';

interface Response {
  description: string;
  content?: Record<string, { schema: { $ref?: string; allOf?: [{ $ref: string }, { properties?: any }] } }>;
}
interface Operation {
  description?: string;
  tags?: string[];
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, Response>;
}
interface Document {
  servers?: { url: string }[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

const ERROR_REF = '#/components/schemas/ErrorResponseDto';
/** Domain codes no HTTP route answers: the CLI and the admin bootstrap create admins, not the API. */
const NOT_OVER_HTTP: string[] = [UserError.InvalidEmail];

function operations(document: Document): { route: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, operation })),
  );
}

function errorResponses(operation: Operation): [string, Response][] {
  return Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
}

function documentedCodes(response: Response): string[] {
  return response.content?.['application/json']?.schema.allOf?.[1].properties?.code?.enum ?? [];
}

/**
 * A client as an app would write one, against types generated from the served document: the types are
 * checked by the compiler (the `@ts-expect-error` fails the build if the 409's `code` is not narrowed),
 * then the same code runs against the service.
 */
const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './schema';

type Conflict = paths['/api/v1/auth/register']['post']['responses'][409]['content']['application/json'];

export async function signUpAndIn(baseUrl: string, email: string, password: string) {
  const api = createClient<paths>({ baseUrl });
  const registered = await api.POST('/api/v1/auth/register', { body: { email, password, displayName: 'Client' } });
  if (!registered.data) throw new Error('register: ' + registered.response.status);
  const again = await api.POST('/api/v1/auth/register', { body: { email, password } });
  const taken: Conflict['code'] = 'email_taken';
  // @ts-expect-error a 409 of register carries no other code
  const other: Conflict['code'] = 'invalid_credentials';
  const login = await api.POST('/api/v1/auth/login', { body: { email, password } });
  if (login.data?.status !== 'authenticated' || !login.data.accessToken) throw new Error('login: ' + login.data?.status);
  const me = await api.GET('/api/v1/auth/me', { headers: { authorization: 'Bearer ' + login.data.accessToken } });
  if (!me.data) throw new Error('me: ' + me.response.status);
  return {
    userId: registered.data.id,
    conflict: { status: again.response.status, code: again.error?.code, expected: taken, other },
    sessionId: login.data.sessionId,
    me: { id: me.data.id, email: me.data.email, sessionId: me.data.session.id, mfaEnabled: me.data.mfaEnabled },
  };
}
`;

/** Type-checks and compiles `dir`'s client.ts to CommonJS; returns the compiler's complaints. */
function compile(dir: string): string[] {
  const program = ts.createProgram([join(dir, 'client.ts')], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node20,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    esModuleInterop: true,
    types: [],
    outDir: dir,
  });
  const emitted = program.emit();
  return [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((diagnostic) =>
    ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
  );
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let document: Document;

  beforeAll(async () => {
    t = await startTestApp();
    document = (await t.http.get<Document>('/docs-json')).body;
  });

  afterAll(async () => {
    await t.close();
  });

  it('describes every operation and tag, and names the server from PUBLIC_URL', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: 'https://auth.example.test' })]);
    const tags = new Map((document.tags ?? []).map((tag) => [tag.name, tag.description]));
    const problems = operations(document).flatMap(({ route, operation }) => [
      ...(operation.description ? [] : [`${route}: no description`]),
      ...(operation.tags ?? []).filter((tag) => !tags.get(tag)).map((tag) => `${route}: tag ${tag} undescribed`),
    ]);
    expect(problems).toEqual([]);
  });

  it('answers every error with the one error schema, in JSON, and documents the codes it can carry', () => {
    const problems = operations(document).flatMap(({ route, operation }) =>
      errorResponses(operation).flatMap(([status, response]) => {
        const content = Object.keys(response.content ?? {});
        const schema = response.content?.['application/json']?.schema;
        const found: string[] = [];
        if (content.join() !== 'application/json') found.push(`${route} ${status}: content ${content.join()}`);
        if (schema?.$ref !== ERROR_REF && schema?.allOf?.[0].$ref !== ERROR_REF)
          found.push(`${route} ${status}: schema`);
        for (const code of documentedCodes(response)) {
          if (!response.description.includes(`\`${code}\``)) found.push(`${route} ${status}: ${code} undescribed`);
        }
        return found;
      }),
    );
    expect(problems).toEqual([]);
  });

  it('lists the errors of the pipeline, the guards and the database on the operations that meet them', () => {
    const problems = operations(document).flatMap(({ route, operation }) => {
      const codes = (status: number) => documentedCodes(operation.responses[status] ?? { description: '' });
      const expected: [number, string | undefined][] = [[400, 'invalid_header']];
      if (operation.requestBody) {
        expected.push([400, 'invalid_json'], [413, 'payload_too_large'], [415, 'unsupported_media_type']);
      }
      if (route.includes('{')) expected.push([400, 'bad_url'], [414, 'uri_too_long']);
      if ((operation.security ?? []).length > 0) {
        expected.push([401, undefined], [403, undefined], [503, 'dependency_unavailable']);
      }
      if (route.includes('/api/v1/')) expected.push([503, 'dependency_unavailable']);
      return expected
        .filter(([status, code]) => !operation.responses[status] || (code && !codes(status).includes(code)))
        .map(([status, code]) => `${route}: ${status} ${code ?? ''}`);
    });
    expect(problems).toEqual([]);
  });

  it('documents every domain error code a route can answer', () => {
    const documented = new Set(
      operations(document).flatMap(({ operation }) =>
        errorResponses(operation).flatMap(([, response]) => documentedCodes(response)),
      ),
    );
    const domainCodes = DOMAIN_ERRORS.flatMap((mapping) => Object.keys(mapping.status));
    expect(domainCodes.filter((code) => !documented.has(code) && !NOT_OVER_HTTP.includes(code))).toEqual([]);
  });

  it('generates a client whose types hold for register, login and /auth/me as the service answers them', async () => {
    // Inside node_modules, so that the client resolves openapi-fetch as an app would. The generator and the
    // client run in their own Node processes, outside Jest's module loader, as they would in an app.
    mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
    const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'twofold-openapi-client-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), JSON.stringify(document));
      const generator = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      await run(process.execPath, [generator, 'openapi.json', '--output', 'schema.ts'], { cwd: dir });
      writeFileSync(join(dir, 'client.ts'), CLIENT);
      expect(compile(dir)).toEqual([]);
      const main = `require('./client.js').signUpAndIn(...process.argv.slice(1)).then((r) => console.log(JSON.stringify(r)))`;
      const email = 'typed.client@example.test';
      const { stdout } = await run(process.execPath, ['-e', main, t.baseUrl, email, 'Typed-Client-2024!x'], {
        cwd: dir,
      });
      const result = JSON.parse(stdout) as Record<string, any>;
      expect(result).toEqual({
        userId: expect.any(String),
        conflict: { status: 409, code: 'email_taken', expected: 'email_taken', other: 'invalid_credentials' },
        sessionId: result.me.sessionId,
        me: { id: result.userId, email, sessionId: expect.any(String), mfaEnabled: false },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DOCS_ENABLED=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { DOCS_ENABLED: 'false' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('serves neither Swagger UI nor the document', async () => {
    for (const path of ['/docs', '/docs-json', '/docs-yaml']) {
      const res = await t.http.get(path);
      expect({ path, status: res.status, error: res.body.error }).toEqual({ path, status: 404, error: 'Not Found' });
    }
    expect((await t.http.get('/health/live')).status).toBe(200);
  });
});
