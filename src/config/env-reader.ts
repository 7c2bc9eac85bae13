import { parseDuration, parseRateLimit, RateLimit } from './duration';

export type RawEnv = Record<string, string | undefined>;

/**
 * Reads typed values out of the environment and collects one message per bad variable, so a
 * misconfigured boot names every mistake at once instead of the first one only.
 * Values of secret variables are never echoed in the messages.
 */
export class EnvReader {
  readonly errors: string[] = [];
  /** Every variable asked for, so a test can hold `.env.example` to the code. */
  readonly names = new Set<string>();

  constructor(private readonly env: RawEnv) {}

  raw(name: string): string | undefined {
    this.names.add(name);
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  fail(name: string, message: string): void {
    this.errors.push(`${name}: ${message}`);
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^-?\d+$/.test(text) || value < min || value > max) {
      this.fail(name, `must be a whole number from ${min} to ${max} (got "${text}")`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const text = this.raw(name)?.toLowerCase();
    if (text === undefined) return fallback;
    if (text === 'true' || text === '1') return true;
    if (text === 'false' || text === '0') return false;
    this.fail(name, `must be true or false (got "${text}")`);
    return fallback;
  }

  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T {
    const text = this.raw(name);
    if (text === undefined) return fallback;
    if ((values as readonly string[]).includes(text)) return text as T;
    this.fail(name, `must be one of ${values.join('|')} (got "${text}")`);
    return fallback;
  }

  durationMs(name: string, fallback: string): number {
    const text = this.raw(name) ?? fallback;
    const ms = parseDuration(text);
    if (ms === undefined || ms === 0) {
      this.fail(name, `must be a duration like 30s, 15m, 12h or 7d (got "${text}")`);
      return parseDuration(fallback) ?? 0;
    }
    return ms;
  }

  rateLimit(name: string, fallback: string): RateLimit {
    const text = this.raw(name) ?? fallback;
    const parsed = parseRateLimit(text);
    if (!parsed) {
      this.fail(name, `must be a rate like 5/min, 3/hour or 100/10s (got "${text}")`);
      return parseRateLimit(fallback) as RateLimit;
    }
    return parsed;
  }

  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  url(name: string, fallback: string | undefined, protocols: readonly string[]): string | undefined {
    const text = this.raw(name) ?? fallback;
    if (text === undefined) return undefined;
    try {
      const parsed = new URL(text);
      if (!protocols.includes(parsed.protocol)) throw new Error('protocol');
      return text;
    } catch {
      this.fail(name, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      return fallback;
    }
  }
}
