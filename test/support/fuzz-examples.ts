import { Credential, FuzzCase, FuzzContext } from './fuzz-cases';
import { canonicalBody, deepJson, entriesOf, objectText } from './hostile-input';
import { Operation } from './openapi-operations';

/** The cases issue 14 found, sent to every operation whatever the random draw (fast-check `examples`). */
export type Examples = (op: Operation, context: FuzzContext, seed: number) => FuzzCase[];

export function targetOf(op: Operation, context: FuzzContext): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => context.pathValues[name]?.[0] ?? 'x');
}

/** The token that gets past the route's guards: the admin's on admin routes, the user's elsewhere. */
export function passingCredential(op: Operation): Credential {
  if (!op.secured) return 'none';
  return op.path.startsWith('/api/v1/admin') ? 'admin' : 'user';
}

const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

export const bodyExamples: Examples = (op, context, seed) => {
  const valid = canonicalBody(op.body, seed);
  const field = Object.keys(op.body?.properties ?? {})[0] ?? 'email';
  const withField = (value: string) =>
    objectText([...entriesOf(valid).filter(([name]) => name !== field), [field, value]]);
  const body = (label: string, text: string): FuzzCase => ({
    label,
    credential: passingCredential(op),
    target: targetOf(op, context),
    headers: [JSON_TYPE],
    body: Buffer.from(text),
  });
  return [
    body('arrays 2,000 deep', deepJson(2000, 'array')),
    body('objects 5,000 deep', deepJson(5000, 'object')),
    body(`${field} nested 2,000 deep in arrays`, withField(deepJson(2000, 'array'))),
    body(`${field} nested 5,000 deep in objects`, withField(deepJson(5000, 'object'))),
    body(`lone surrogate in ${field}`, withField(JSON.stringify('a\ud800@example.com'))),
    body(`NUL in ${field}`, withField(JSON.stringify('a\u0000b@example.com'))),
    body('unknown field __proto__', objectText([...entriesOf(valid), ['__proto__', '{"roles":["admin"]}']])),
  ];
};

export const queryExamples: Examples = (op, context) => {
  const name = op.queryParams[0]?.name ?? 'q';
  return [`${name}=a%00b`, `${name}=%ff`, `${name}=1&${name}=2`, `${name}[]=a&${name}[x]=b`].map((query) => ({
    label: `query ${query}`,
    credential: passingCredential(op),
    target: `${targetOf(op, context)}?${query}`,
    headers: [],
  }));
};

export const pathExamples: Examples = (op) => {
  if (op.pathParams.length === 0) return [];
  return ['%ff', 'a%00b', 'not-a-uuid', 'a'.repeat(101)].map((segment) => ({
    label: `path parameter ${segment.slice(0, 20)}`,
    credential: passingCredential(op),
    target: op.path.replace(/\{(\w+)\}/g, segment),
    headers: op.body ? [JSON_TYPE] : [],
    body: op.body ? Buffer.from('{}') : undefined,
  }));
};

export const headerExamples: Examples = (op, context) => {
  const base = { credential: 'none' as const, target: targetOf(op, context), body: undefined };
  return [
    // Signed with the real key, `sid` not a UUID (issue item 4): forgedTokens() lists it first.
    {
      ...base,
      label: 'real-key token, sid "not-a-uuid"',
      headers: [['Authorization', `Bearer ${context.forgedTokens[0]}`]],
    },
    { ...base, label: 'User-Agent with a control character', headers: [['User-Agent', 'fuzz\u0001agent']] },
    { ...base, label: 'X-Request-ID of 129 characters', headers: [['X-Request-ID', 'a'.repeat(129)]] },
  ];
};
