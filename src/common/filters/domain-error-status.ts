import { HttpStatus } from '@nestjs/common';
import { DomainException } from './domain.exception';

/**
 * A module's domain exception and the HTTP status of each code of its enum. The table is a
 * `Record<Code, HttpStatus>`, so a code added without a status (or a status for a code that is gone)
 * fails the type check.
 */
export interface DomainErrorMapping<Code extends string = string> {
  exception: abstract new (...args: never[]) => DomainException<Code>;
  status: Readonly<Record<Code, HttpStatus>>;
}

/** Injection token for the mappings of every module, wired once in AppModule. */
export const DOMAIN_ERROR_MAPPINGS = Symbol('DOMAIN_ERROR_MAPPINGS');

/** The status a module gives its exception's code; undefined for a domain exception nobody mapped. */
export function domainErrorStatus(
  mappings: readonly DomainErrorMapping[],
  exception: DomainException<string>,
): HttpStatus | undefined {
  const mapping = mappings.find(({ exception: type }) => exception instanceof type);
  return mapping?.status[exception.code];
}

/** Narrows to a domain exception with a string code (`instanceof` alone gives `DomainException<any>`). */
export function isDomainException(error: unknown): error is DomainException<string> {
  return error instanceof DomainException;
}
