import { Injectable, Logger } from '@nestjs/common';
import { Clock } from './clock/clock';

/** How long repeats of one failure are counted instead of logged. */
export const OUTAGE_LOG_WINDOW_MS = 10_000;

interface Window {
  openedAt: number;
  repeats: number;
}

/**
 * Logs a failing dependency once per window, not once per request: a database outage under
 * load would otherwise write thousands of identical lines. The next line after a window says how many
 * repeats it left out. Known outages are expected conditions: no stack trace.
 */
@Injectable()
export class OutageLog {
  private readonly logger = new Logger('Dependency');
  private readonly windows = new Map<string, Window>();

  constructor(private readonly clock: Clock) {}

  failure(dependency: string, reason: string, context: string): void {
    const now = this.clock.now().getTime();
    const window = this.windows.get(dependency);
    if (window && now - window.openedAt < OUTAGE_LOG_WINDOW_MS) {
      window.repeats++;
      return;
    }
    this.windows.set(dependency, { openedAt: now, repeats: 0 });
    const repeated = window?.repeats ? { repeatedSinceLastLine: window.repeats } : {};
    this.logger.error({ dependency, reason, ...repeated }, `${dependency} unavailable (${reason}) ${context}`);
  }
}
