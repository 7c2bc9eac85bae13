/** Field names whose values never reach a log line, at any depth. */
const SECRET_KEY =
  /pass(word|phrase)?|token|secret|^codes?$|backupcodes?|otp|authorization|cookie|csrf|api[-_]?key|private[-_]?key/i;

/**
 * Error fields that hold data rather than describe the failure: a failed query's `parameters` (password
 * and token hashes, emails) and the row PostgreSQL quotes in a constraint error's `detail`.
 */
const DATA_FIELDS = new Set(['parameters', 'detail']);

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-named field replaced; cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (depth > 8 || seen.has(value)) return '[truncated]';
  seen.add(value);
  if (value instanceof Error) return redactError(value, depth, seen);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1, seen);
  }
  return out;
}

/** A copy of the error (same class, message and stack) without its data fields, secrets redacted. */
function redactError(error: Error, depth: number, seen: WeakSet<object>): Error {
  const copy = Object.create(Object.getPrototypeOf(error) as object) as Error & Record<string, unknown>;
  Object.defineProperty(copy, 'message', { value: error.message, enumerable: false, writable: true });
  Object.defineProperty(copy, 'stack', { value: error.stack, enumerable: false, writable: true });
  for (const [key, item] of Object.entries(error)) {
    if (DATA_FIELDS.has(key)) continue;
    // An error's `code` names the failure (23505, ECONNREFUSED), it is not a one-time code.
    copy[key] = key !== 'code' && SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1, seen);
  }
  if (error.cause !== undefined) copy.cause = redactSecrets(error.cause, depth + 1, seen);
  return copy;
}
