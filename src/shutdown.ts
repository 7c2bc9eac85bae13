import { INestApplication, Logger } from '@nestjs/common';

/**
 * SIGTERM/SIGINT: readiness turns 503 (ShutdownState), in-flight requests finish, connections close,
 * the process exits 0. If closing takes longer than `timeoutMs`, it exits 1 rather than hang.
 */
export function installShutdown(app: INestApplication, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => {
      logger.error(`Shutdown took longer than ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    app
      .close()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
