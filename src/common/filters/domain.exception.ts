/**
 * Base of the services' domain exceptions: a code from the module's error enum, a message safe to
 * show a client, and optional extra fields for the error body (e.g. `lockedUntil`).
 */
export abstract class DomainException<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    readonly extra: Record<string, unknown> = {},
    /** Seconds, for a Retry-After header. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
