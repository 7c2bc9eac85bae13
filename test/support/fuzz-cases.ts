import fc from 'fast-check';
import {
  deepJsonArb,
  entriesOf,
  hostileFieldArb,
  hostileStringArb,
  objectText,
  PROTOTYPE_NAMES,
  validObjectArb,
  wrongTypeArb,
} from './hostile-input';
import { Operation } from './openapi-operations';

/** Whose access token a request carries (resolved when it is sent: tokens are renewed during the run). */
export type Credential = 'none' | 'user' | 'admin';

/** `{{user}}` / `{{admin}}` in a header value stand for that principal's current access token. */
export interface FuzzCase {
  label: string;
  credential: Credential;
  target: string;
  headers: [string, string][];
  body?: Buffer;
}

export interface FuzzContext {
  /** Well-formed values per path parameter name (a real user id, a real flag key). */
  pathValues: Record<string, string[]>;
  /** Forged and garbage tokens (see forged-jwt.ts). */
  forgedTokens: string[];
}

const JSON_TYPE: [string, string] = ['Content-Type', 'application/json'];

function credentialArb(op: Operation): fc.Arbitrary<Credential> {
  if (!op.secured) return fc.constantFrom<Credential>('none', 'none', 'user');
  if (op.path.startsWith('/api/v1/admin'))
    return fc.constantFrom<Credential>('admin', 'admin', 'admin', 'user', 'none');
  return fc.constantFrom<Credential>('user', 'user', 'admin', 'none');
}

function fillPath(op: Operation, context: FuzzContext, values: Record<string, string> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? context.pathValues[name]?.[0] ?? 'x');
}

/** A body the schema accepts, or `{}` for routes that take none. */
export function validBodyArb(op: Operation): fc.Arbitrary<Record<string, unknown>> {
  return op.body ? validObjectArb(op.body) : fc.constant({});
}

function fieldNameArb(op: Operation): fc.Arbitrary<string> {
  const names = Object.keys(op.body?.properties ?? {});
  return names.length > 0 ? fc.constantFrom(...names) : fc.constantFrom('email', 'a');
}

interface BodyVariant {
  label: string;
  text: string | Buffer;
  contentType?: string;
}

const RAW_BYTES: number[][] = [
  [0xff],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82],
];
const OTHER_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json-patch+json',
  'application/jsonx',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  '',
];
const MALFORMED = [
  '{',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  'NaN',
  '\u0000',
  '{"a":"\\u00"}',
  '{"a":1}{"b":2}',
  '',
  ' ',
  '\ufeff{}',
];

function bodyVariantArb(op: Operation): fc.Arbitrary<BodyVariant> {
  const valid = validBodyArb(op);
  return fc.oneof(
    deepJsonArb.map((text) => ({ label: 'deeply nested body', text })),
    fc.tuple(valid, fieldNameArb(op), deepJsonArb).map(([body, name, deep]) => ({
      label: `deeply nested field ${name}`,
      text: objectText([...entriesOf(body).filter(([key]) => key !== name), [name, deep]]),
    })),
    fc.tuple(valid, fieldNameArb(op), hostileFieldArb).map(([body, name, value]) => ({
      label: `hostile value in ${name}`,
      text: objectText([...entriesOf(body).filter(([key]) => key !== name), [name, value]]),
    })),
    fc
      .tuple(
        valid,
        fc.uniqueArray(fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES), fc.string({ maxLength: 10 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.oneof(fc.constant('1'), fc.constant('"x"'), wrongTypeArb),
      )
      .map(([body, names, value]) => ({
        label: `unknown fields ${names.join(',')}`,
        text: objectText([...entriesOf(body), ...names.map((name): [string, string] => [name, value])]),
      })),
    fc.constantFrom('[]', '"x"', '1', 'null', 'true', '[{}]', '""').map((text) => ({ label: 'not an object', text })),
    fc
      .oneof(fc.constantFrom(...MALFORMED), fc.string({ unit: 'binary', maxLength: 30 }))
      .map((text) => ({ label: 'malformed JSON', text })),
    fc.tuple(valid, fieldNameArb(op)).map(([body, name]) => ({
      label: `duplicate key ${name}`,
      text: objectText([...entriesOf(body), [name, '"x"'], [name, '[1]']]),
    })),
    fc.tuple(fieldNameArb(op), fc.constantFrom(...RAW_BYTES)).map(([name, bytes]) => ({
      label: `invalid UTF-8 in ${name}`,
      text: Buffer.concat([Buffer.from(`{"${name}":"a`), Buffer.from(bytes), Buffer.from('b"}')]),
    })),
    fc.tuple(valid, fc.constantFrom(...OTHER_TYPES)).map(([body, contentType]) => ({
      label: `content type "${contentType}"`,
      text: JSON.stringify(body),
      contentType,
    })),
    fc.tuple(fieldNameArb(op), fc.constantFrom(100 * 1024 - 40, 100 * 1024 + 100)).map(([name, length]) => ({
      label: `body of about ${length} bytes`,
      text: `{"${name}":"${'a'.repeat(length)}"}`,
    })),
    fc.constant({ label: 'body with a field', text: '{"a":1}' }),
  );
}

/** Hostile bodies (on routes with a body and on those that take none). */
export function bodyCaseArb(op: Operation, context: FuzzContext): fc.Arbitrary<FuzzCase> {
  return fc.tuple(bodyVariantArb(op), credentialArb(op)).map(([variant, credential]) => ({
    label: variant.label,
    credential,
    target: fillPath(op, context),
    headers: [['Content-Type', variant.contentType ?? 'application/json']],
    body: Buffer.from(variant.text),
  }));
}

const QUERY_VALUES = [
  '%00',
  'a%00b',
  '%ff',
  '%',
  '%zz',
  '%c0%80',
  '%ed%a0%80',
  '%u0041',
  '-1',
  '0',
  '1.5',
  'NaN',
  '1e309',
  '99999999999999999999',
  '',
  'true',
  'not-a-date',
  '2024-13-45T99:99:99Z',
  '%7B%22%24ne%22%3Anull%7D',
  '"<>`{}|\\^',
];

// Long values are rare: one over 16 kB ends the request at the header limit (431) before anything else runs.
const queryValueArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...QUERY_VALUES) },
  {
    weight: 3,
    arbitrary: hostileStringArb
      .filter((value) => value.length < 2000)
      .map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, 'x'))),
  },
  { weight: 1, arbitrary: fc.constantFrom(300, 2000, 17_000).map((length) => 'a'.repeat(length)) },
);

/** Hostile query strings: NUL, bad percent-encoding, repeated names, arrays and objects, long values. */
export function queryCaseArb(op: Operation, context: FuzzContext): fc.Arbitrary<FuzzCase> {
  const declared = op.queryParams.map((param) => param.name);
  const nameArb = fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: declared.length > 0 ? fc.constantFrom(...declared) : fc.constant('q') },
        { weight: 1, arbitrary: fc.constantFrom(...PROTOTYPE_NAMES, '', '%00', '%ff') },
      ),
      fc.constantFrom('', '', '', '[]', '[0]', '[a]', '[__proto__]'),
    )
    .map(([name, suffix]) => name + suffix);
  return fc
    .tuple(fc.array(fc.tuple(nameArb, queryValueArb), { minLength: 1, maxLength: 4 }), credentialArb(op))
    .map(([pairs, credential]) => ({
      label: `query ${pairs
        .map(([name, value]) => `${name}=${value.slice(0, 20)}`)
        .join('&')
        .slice(0, 80)}`,
      credential,
      target: `${fillPath(op, context)}?${pairs.map(([name, value]) => `${name}=${value}`).join('&')}`,
      headers: [],
    }));
}

const SEGMENTS = [
  'not-a-uuid',
  '%00',
  'a%00b',
  '%ff',
  '%',
  '%2e%2e',
  '..',
  '%2F',
  '00000000-0000-0000-0000-000000000000',
  '{00000000-0000-0000-0000-000000000000}',
  '%20',
  'null',
  'undefined',
  ...PROTOTYPE_NAMES.filter((name) => name !== '__proto__'),
  '__proto__',
  'a'.repeat(101),
  'a'.repeat(2000),
];

const segmentArb = fc.oneof(
  fc.constantFrom(...SEGMENTS),
  fc.uuid(),
  fc.uuid().map((id) => id.toUpperCase()),
  hostileStringArb
    .filter((value) => value.length < 500)
    .map((value) => encodeURIComponent(value.replace(/[\ud800-\udfff]/g, 'x'))),
);

/** Hostile path parameters; operations without one get a hostile extra segment or a mangled path. */
export function pathCaseArb(op: Operation, context: FuzzContext): fc.Arbitrary<FuzzCase> {
  const target =
    op.pathParams.length > 0
      ? fc
          .tuple(...op.pathParams.map(() => segmentArb))
          .map((segments) =>
            fillPath(op, context, Object.fromEntries(op.pathParams.map((name, i) => [name, segments[i]]))),
          )
      : fc.oneof(
          segmentArb.map((segment) => `${op.path}/${segment}`),
          fc.constant(`${op.path}/`),
          fc.constant(op.path.replace('/', '//')),
          fc.constant(op.path.toUpperCase()),
          fc.constant(`${op.path}%00`),
          fc.constant(`${op.path}/%2e%2e/%2e%2e/docs-json`),
        );
  return fc.tuple(target, credentialArb(op), validBodyArb(op)).map(([path, credential, body]) => ({
    label: `path ${path.slice(0, 100)}`,
    credential,
    target: path,
    headers: op.body ? [JSON_TYPE] : [],
    body: op.body ? Buffer.from(JSON.stringify(body)) : undefined,
  }));
}

const CONTROL = ['\u0001', '\u0000', '\u007f', '\u001b[31m', '\u0008', '\u00ff\u00fe', '\u0085'];

function headerPairArb(context: FuzzContext): fc.Arbitrary<[string, string]> {
  const token = fc.constantFrom(...context.forgedTokens);
  const control = fc.constantFrom(...CONTROL);
  const pair = (name: string, values: fc.Arbitrary<string>) => values.map((value): [string, string] => [name, value]);
  return fc.oneof(
    pair(
      'X-Request-ID',
      fc.constantFrom('fuzz-1', 'a'.repeat(128), 'a'.repeat(129), 'a b', '', 'ü', '\u00ff', 'x\u0001y'),
    ),
    pair(
      'Authorization',
      token.map((value) => `Bearer ${value}`),
    ),
    pair(
      'Authorization',
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic Zm9vOmJhcg==',
        'bearer {{user}}',
        '{{user}}',
        'Bearer  {{user}}',
        `Bearer ${'a'.repeat(10_000)}`,
      ),
    ),
    pair(
      'Cookie',
      token.map((value) => `access_token=${value}`),
    ),
    pair(
      'Cookie',
      fc.constantFrom(
        'access_token={{user}}',
        'access_token={{admin}}; csrf_token=a',
        'access_token={{user}}; csrf_token=%ff',
        '=',
        ';;;',
        'access_token=%ff',
        `a=${'b'.repeat(8000)}`,
        'refresh_token=x; refresh_token=y',
      ),
    ),
    pair('X-Auth-Mode', fc.constantFrom('cookie', 'COOKIE', 'body', '', 'x\u0001')),
    pair('X-CSRF-Token', fc.constantFrom('a', '', '%00', 'x'.repeat(5000))),
    pair(
      'User-Agent',
      control.map((char) => `fuzz${char}agent`),
    ),
    pair('User-Agent', fc.constantFrom('a'.repeat(5000), '', '"}{"level":60,"msg":"forged')),
    pair('X-Forwarded-For', fc.constantFrom('garbage', '1.2.3.4, ::1, evil', '999.999.999.999', '')),
    pair('Accept', fc.constantFrom('text/plain', 'application/xml', '*/*;q=garbage', '')),
    pair('Origin', fc.constantFrom('https://evil.example', 'null', '\u00ff')),
    pair('Content-Encoding', fc.constantFrom('gzip', 'br', 'identity, gzip')),
    fc.constantFrom<[string, string]>(['X-Fuzz\u0001', 'a'], ['X Fuzz', 'a'], ['', 'a'], ['X-Fuzz', 'line\rbreak']),
  );
}

/** Hostile headers: request ids, forged and garbage tokens, cookies, auth mode, CSRF, control characters. */
export function headerCaseArb(op: Operation, context: FuzzContext): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.array(headerPairArb(context), { minLength: 1, maxLength: 3 }), credentialArb(op), validBodyArb(op))
    .map(([pairs, credential, body]) => {
      const carriesCredential = pairs.some(([name]) => /^(authorization|cookie)$/i.test(name));
      return {
        label: `headers ${pairs.map(([name, value]) => `${name}: ${JSON.stringify(value.slice(0, 40))}`).join('; ')}`,
        credential: carriesCredential ? 'none' : credential,
        target: fillPath(op, context),
        headers: op.body ? [JSON_TYPE, ...pairs] : pairs,
        body: op.body ? Buffer.from(JSON.stringify(body)) : undefined,
      };
    });
}
