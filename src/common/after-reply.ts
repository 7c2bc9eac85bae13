import { Logger } from '@nestjs/common';

/**
 * Runs `work` once the reply has left: for what a public route does only for some callers (issue and
 * mail a link to an existing account), so that its cost can't show in the answer time. The request
 * context (client, request id) carries over; a failure is logged, as the client was already answered.
 */
export function afterReply(logger: Logger, what: string, work: () => Promise<void>): void {
  setImmediate(() => {
    work().catch((error: unknown) => logger.warn(`${what} failed after the reply: ${(error as Error).message}`));
  });
}
