import { Clock } from '../../src/common/clock/clock';

/** A clock the test moves by hand. */
export class TestClock extends Clock {
  private current: number;

  constructor(start = Date.parse('2026-01-15T10:00:00Z')) {
    super();
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  advanceMinutes(minutes: number): void {
    this.advance(minutes * 60_000);
  }
}
