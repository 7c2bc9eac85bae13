const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `30s`, `15m`, `12h`, `7d` into milliseconds; `undefined` when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2]];
}

const WINDOW_MS: Record<string, number> = { s: 1_000, sec: 1_000, min: 60_000, hour: 3_600_000, day: 86_400_000 };

export interface RateLimit {
  limit: number;
  ttlMs: number;
}

/** Parses a rate limit written `5/min`, `3/hour`, `100/10s` or `20/day`. */
export function parseRateLimit(text: string): RateLimit | undefined {
  const match = /^(\d{1,6})\/(\d{0,6})(s|sec|min|hour|day)$/.exec(text.trim());
  if (!match) return undefined;
  const limit = Number(match[1]);
  const count = match[2] === '' ? 1 : Number(match[2]);
  if (limit < 1 || count < 1) return undefined;
  return { limit, ttlMs: count * WINDOW_MS[match[3]] };
}
