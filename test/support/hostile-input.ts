import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { Schema } from './openapi-operations';

/** Names Object.prototype (and friends) answer to: validation that looks fields up on a plain object may miss them. */
export const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
];

const KB100 = 100 * 1024;

/**
 * JSON text nested `depth` levels deep. The issue saw class-transformer overflow its stack at about 1,300
 * levels; where it overflows depends on the stack already in use (2,000 arrays or 5,000 objects here).
 */
export function deepJson(depth: number, kind: 'array' | 'object' | 'mixed'): string {
  if (kind === 'array') return `${'['.repeat(depth)}${']'.repeat(depth)}`;
  if (kind === 'object') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const half = Math.ceil(depth / 2);
  return `${'[{"a":'.repeat(half)}1${'}]'.repeat(half)}`;
}

export const deepJsonArb = fc
  .tuple(
    fc.oneof(fc.constantFrom(33, 100, 1300, 2000, 5000, 10_000), fc.integer({ min: 20, max: 10_000 })),
    fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'),
  )
  .map(([depth, kind]) => deepJson(depth, kind));

/** Strings that are not well-formed Unicode, hold control characters, are invisible, huge or otherwise odd. */
export const hostileStringArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '\ud800',
    '\udfff',
    '\udc00\ud800',
    'a\ud800@example.com',
    '\ud800@example.com',
    'u@exa\udc00mple.com',
  ),
  fc.constantFrom('a\u0000b', 'a\u0000b@example.com', '\u0000', '\u0001', 'x\u001b[2Jy', '\u007f', '\u0085', '\u009b'),
  fc.constantFrom('a\r\nb', '\t', 'line\nbreak@example.com', '\u2028', '\u2029'),
  fc.constantFrom(
    '\ufeff',
    'a\u200bb@example.com',
    'evil\u202egpj.exe',
    '\uffff',
    '\u{10ffff}',
    'e\u0301',
    'ß@EXAMPLE.com',
  ),
  fc.constantFrom("' OR 1=1 --", '%00', '${7*7}', '{{7*7}}', '<script>alert(1)</script>', '../../etc/passwd', '', ' '),
  fc
    .tuple(fc.constantFrom(KB100 - 200, KB100 - 20, KB100, KB100 + 1, 2 * KB100), fc.constantFrom('a', 'é', '\u0000'))
    .map(([length, char]) => char.repeat(length)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }).map((local) => `${local}@example.com`),
);

/** JSON text of a value of the wrong type (or a type an ORM might read as an operator). */
export const wrongTypeArb = fc.constantFrom(
  '0',
  '-1',
  '1.5',
  '1e400',
  '-0',
  '99999999999999999999999',
  'true',
  'false',
  'null',
  '[]',
  '{}',
  '[1,2]',
  '{"a":1}',
  '[""]',
  '[null]',
  '{"$ne":null}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
);

/** Any hostile value for one field, as JSON text. */
export const hostileFieldArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileStringArb.map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: wrongTypeArb },
  { weight: 2, arbitrary: deepJsonArb },
);

const STRONG_PASSWORD = 'Fuzz-Str0ng!Passw0rd';

/** A value the schema accepts (mostly): the base that one hostile change is then made to. */
export function validValueArb(schema: Schema | undefined, name = ''): fc.Arbitrary<unknown> {
  if (!schema) return fc.constant('x');
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.type === 'boolean') return fc.boolean();
  if (schema.type === 'number' || schema.type === 'integer') {
    return fc.integer({ min: schema.minimum ?? 0, max: schema.maximum ?? 1000 });
  }
  if (schema.type === 'array') return fc.array(validValueArb(schema.items, name), { maxLength: 3 });
  if (schema.type === 'object') return validObjectArb(schema);
  if (schema.format === 'email') {
    return fc.oneof(
      fc.uuid().map((id) => `fuzz-${id.slice(0, 8)}@example.com`),
      fc.emailAddress().filter((email) => email.length <= (schema.maxLength ?? 254)),
    );
  }
  if (/password/i.test(name)) return fc.constantFrom(STRONG_PASSWORD, 'short', 'a'.repeat(73));
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
}

/**
 * One body the schema accepts as far as its shape goes: a new email, a strong password, a code of the
 * right form. Handlers then refuse it only for what it says (wrong password, unknown token), so an extra
 * field added to it is the only reason left for a 400.
 */
export function canonicalBody(schema: Schema | undefined, seed: number): Record<string, unknown> {
  const value = (property: Schema, name: string): unknown => {
    if (property.enum) return property.enum[0];
    if (property.type === 'boolean') return true;
    if (property.type === 'number' || property.type === 'integer') return property.minimum ?? 1;
    if (property.type === 'array') return [];
    if (property.format === 'email') return `fuzz-${randomUUID().slice(0, 8)}@example.com`;
    if (/password/i.test(name)) return STRONG_PASSWORD;
    if (property.pattern) return fc.sample(fc.stringMatching(new RegExp(property.pattern)), { seed, numRuns: 1 })[0];
    return 'fuzz';
  };
  const required = new Set(schema?.required ?? []);
  return Object.fromEntries(
    Object.entries(schema?.properties ?? {})
      .filter(([name]) => required.has(name))
      .map(([name, property]) => [name, value(property, name)]),
  );
}

/** An object with every required property and some optional ones. */
export function validObjectArb(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, validValueArb(property, name)]),
  );
  return fc.record(model, { requiredKeys: Object.keys(properties).filter((name) => required.has(name)) });
}

/** Serialises `[name, JSON text]` pairs, so keys like `__proto__` and duplicate keys survive as written. */
export function objectText(entries: [string, string][]): string {
  return `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`;
}

export function entriesOf(value: Record<string, unknown>): [string, string][] {
  return Object.entries(value).map(([name, field]) => [name, JSON.stringify(field)]);
}
