import { parseDuration, parseRateLimit } from './duration';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['15m', 900_000],
    ['12h', 43_200_000],
    ['7d', 604_800_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm15', '15 minutes', '-5m', '1.5h', '15M'])('refuses %p', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('parseRateLimit', () => {
  it.each([
    ['5/min', { limit: 5, ttlMs: 60_000 }],
    ['3/hour', { limit: 3, ttlMs: 3_600_000 }],
    ['100/10s', { limit: 100, ttlMs: 10_000 }],
    ['20/day', { limit: 20, ttlMs: 86_400_000 }],
  ])('reads %s', (text, expected) => {
    expect(parseRateLimit(text)).toEqual(expected);
  });

  it.each(['5', '5/minute', '0/min', '5/0s', 'five/min', '/min'])('refuses %p', (text) => {
    expect(parseRateLimit(text)).toBeUndefined();
  });
});
