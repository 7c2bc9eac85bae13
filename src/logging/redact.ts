/** Field names whose values never reach a log line, at any depth. */
const SECRET_KEY =
  /pass(word|phrase)?|token|secret|^codes?$|backupcodes?|otp|authorization|cookie|csrf|api[-_]?key|private[-_]?key/i;

export const REDACTED = '[redacted]';

/** A copy of `value` with every secret-named field replaced; cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error || value instanceof Date) return value;
  if (depth > 8 || seen.has(value)) return '[truncated]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? REDACTED : redactSecrets(item, depth + 1, seen);
  }
  return out;
}
