import fc from 'fast-check';
import { errorShapeProblems, securityHeaderProblems } from './support/error-shape';
import { bodyCaseArb, FuzzCase, FuzzContext, headerCaseArb, pathCaseArb, queryCaseArb } from './support/fuzz-cases';
import {
  bodyExamples,
  Examples,
  headerExamples,
  passingCredential,
  pathExamples,
  queryExamples,
  targetOf,
} from './support/fuzz-examples';
import { forgedTokens } from './support/forged-jwt';
import { FuzzPrincipals } from './support/fuzz-principals';
import { canonicalBody, entriesOf, objectText } from './support/hostile-input';
import { claimsOf } from './support/jwt';
import { OpenApiDocument, Operation, operationsOf } from './support/openapi-operations';
import { RawResponse, sendRaw, sendRawBytes } from './support/raw-http';
import { startTestApp, TestApp } from './support/test-app';

/** CI runs a fixed seed and a few random runs per operation and input class; `npm run fuzz` raises FUZZ_RUNS. */
const SEED = Number(process.env.FUZZ_SEED ?? 142_024);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3);
/** About 45 operations at a few ms a request on PGlite; generous, so that a failing run still reports. */
const CLASS_TIMEOUT_MS = Math.max(60_000, RUNS * 45 * 400);
/** Distinct failures reported per operation and input class (the first of each status and problem). */
const REPORTED_PER_OPERATION = 3;

type CaseArb = (op: Operation, context: FuzzContext) => fc.Arbitrary<FuzzCase>;

const show = (value: string, length: number) =>
  JSON.stringify(value.length > length ? `${value.slice(0, length)}…` : value);

describe('fuzzing every operation of the OpenAPI document', () => {
  const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  let t: TestApp;
  let port: number;
  let operations: Operation[];
  let principals: FuzzPrincipals;
  let context: FuzzContext;

  beforeAll(async () => {
    t = await startTestApp();
    port = Number(new URL(t.baseUrl).port);
    operations = operationsOf((await t.http.get<OpenApiDocument>('/docs-json')).body);
    principals = new FuzzPrincipals(t);
    await principals.init();
    context = {
      pathValues: { id: [principals.victimId], key: ['passwordless_auth'] },
      forgedTokens: forgedTokens(claimsOf(principals.token('user') as string)),
    };
  });

  afterAll(async () => {
    await t?.close();
  });

  function send(op: Operation, c: FuzzCase): Promise<RawResponse> {
    const substitute = (value: string) =>
      value.replace('{{user}}', principals.token('user') ?? '').replace('{{admin}}', principals.token('admin') ?? '');
    const headers = c.headers.map(([name, value]): [string, string] => [name, substitute(value)]);
    const token = principals.token(c.credential);
    if (token) headers.push(['Authorization', `Bearer ${token}`]);
    return sendRaw(port, { method: op.method, target: c.target, headers, body: c.body });
  }

  function report(op: Operation, c: FuzzCase, outcome: string, random = false): string {
    const body = c.body ? ` body ${show(c.body.toString('utf8'), 100)} (${c.body.length} bytes)` : '';
    const from = random ? ` [FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}]` : '';
    return `${op.method} ${op.path} as ${c.credential}, ${c.label}: ${op.method} ${show(c.target, 120)}${body} -> ${outcome}${from}`;
  }

  /**
   * Checks the property on every operation in turn. The predicate records a failing reply instead of
   * throwing, so one run lists every distinct way each operation fails (the first request of each status
   * and problem), not only the first counterexample of the whole suite.
   */
  async function fuzzEveryOperation(caseArb: CaseArb, examples: Examples, someSucceed = true): Promise<string[]> {
    const failures: string[] = [];
    // Evidence that hostile input reached the handlers, not only the guards: some requests with a real token
    // get past authentication, and (but for hostile paths, which match no route) some replies succeed.
    const reached = { succeeded: 0, pastAuthentication: 0 };
    for (const [index, op] of operations.entries()) {
      await principals.ensure();
      const seen = new Map<string, string>();
      const property = fc.asyncProperty(caseArb(op, context), async (c) => {
        let key: string;
        let outcome: string;
        try {
          const response = await send(op, c);
          if (response.status < 300) reached.succeeded++;
          if (c.credential !== 'none' && response.status !== 401) reached.pastAuthentication++;
          const problems = errorShapeProblems(response);
          if (problems.length === 0) return;
          key = `${response.status} ${problems.join('; ')}`;
          outcome = `${response.status} ${show(response.text, 160)}: ${problems.join('; ')}`;
        } catch (error) {
          key = outcome = (error as Error).message;
        }
        if (!seen.has(key) && seen.size < REPORTED_PER_OPERATION) seen.set(key, report(op, c, outcome, true));
      });
      const fixed = examples(op, context, SEED + index).map((c): [FuzzCase] => [c]);
      // fast-check counts the examples among numRuns: they come on top of the random runs.
      await fc.assert(property, { seed: SEED + index, numRuns: RUNS + fixed.length, examples: fixed });
      failures.push(...seen.values());
    }
    if (someSucceed) expect(reached.succeeded).toBeGreaterThan(0);
    expect(reached.pastAuthentication).toBeGreaterThan(0);
    return failures;
  }

  it(
    'answers hostile bodies on every operation without a 5xx, in the error shape',
    async () => {
      expect(await fuzzEveryOperation(bodyCaseArb, bodyExamples)).toEqual([]);
      // A `__proto__` or `constructor` field must not reach Object.prototype (the app runs in this realm).
      expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    },
    CLASS_TIMEOUT_MS,
  );

  it(
    'refuses a well-formed body with one unknown field, named like an Object.prototype member or not, on every operation that takes a body or none',
    async () => {
      const names = [
        'constructor',
        'toString',
        'valueOf',
        'hasOwnProperty',
        '__proto__',
        'prototype',
        '__defineGetter__',
        'unknownField',
      ];
      const accepted: string[] = [];
      for (const [index, op] of operations.filter((o) => o.method !== 'GET').entries()) {
        await principals.ensure();
        for (const name of names) {
          const body = objectText([...entriesOf(canonicalBody(op.body, SEED + index)), [name, '1']]);
          const c: FuzzCase = {
            label: `unknown field ${name}`,
            credential: passingCredential(op),
            target: targetOf(op, context),
            headers: [['Content-Type', 'application/json']],
            body: Buffer.from(body),
          };
          const response = await send(op, c);
          const problems = errorShapeProblems(response);
          if (response.status < 300) problems.push(`accepted with ${response.status}, expected 400`);
          if (problems.length > 0) accepted.push(report(op, c, `${response.status}: ${problems.join('; ')}`));
        }
      }
      expect(accepted).toEqual([]);
    },
    CLASS_TIMEOUT_MS,
  );

  it(
    'answers hostile query strings on every operation without a 5xx, in the error shape',
    async () => {
      expect(await fuzzEveryOperation(queryCaseArb, queryExamples)).toEqual([]);
    },
    CLASS_TIMEOUT_MS,
  );

  it(
    'answers hostile path parameters and paths on every operation without a 5xx, in the error shape',
    async () => {
      expect(await fuzzEveryOperation(pathCaseArb, pathExamples, false)).toEqual([]);
    },
    CLASS_TIMEOUT_MS,
  );

  it(
    'answers hostile headers and forged tokens on every operation without a 5xx, in the error shape',
    async () => {
      expect(await fuzzEveryOperation(headerCaseArb, headerExamples)).toEqual([]);
    },
    CLASS_TIMEOUT_MS,
  );

  describe('framework-level errors on a raw socket', () => {
    const expectShaped = (response: RawResponse, status: number) => {
      const problems = [...errorShapeProblems(response), ...securityHeaderProblems(response)];
      expect({ status: response.status, problems }).toEqual({ status, problems: [] });
    };

    it('answers a malformed request line with 400 in the error shape', async () => {
      const lines = ['GARBAGE\r\n\r\n', 'GET /health/live HTTP/9.9\r\nHost: x\r\n\r\n', 'GET\u0000 / HTTP/1.1\r\n\r\n'];
      for (const line of lines) expectShaped(await sendRawBytes(port, Buffer.from(line, 'latin1')), 400);
    });

    it('answers headers over 16 kB with 431 in the error shape', async () => {
      const response = await sendRaw(port, {
        method: 'GET',
        target: '/api/v1/auth/me',
        headers: [['X-Padding', 'a'.repeat(17 * 1024)]],
      });
      expectShaped(response, 431);
    });

    it('answers a path parameter over 100 characters with 414 in the error shape', async () => {
      const response = await sendRaw(port, {
        method: 'GET',
        target: `/api/v1/admin/users/${'a'.repeat(101)}`,
        headers: [['Authorization', `Bearer ${principals.token('admin')}`]],
      });
      expectShaped(response, 414);
    });

    it('answers bad percent-encoding in the path with 400 in the error shape, echoing a sane X-Request-ID', async () => {
      const response = await sendRaw(port, {
        method: 'GET',
        target: '/api/v1/admin/users/%ff',
        headers: [['X-Request-ID', 'fuzz-bad-url']],
      });
      expectShaped(response, 400);
      expect((response.json as { requestId?: string }).requestId).toBe('fuzz-bad-url');
    });
  });
});
