import helmet, { HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';

/** Response headers in the order and letter case helmet sets them. */
export type SecurityHeaders = ReadonlyArray<readonly [name: string, value: string]>;

/**
 * The headers helmet sets with `options`, computed once. Helmet builds them again on every request
 * although they depend on nothing in it (as long as no CSP directive is a function of the request);
 * running helmet itself keeps it the source of truth for their names and values.
 */
export function computeSecurityHeaders(options: Readonly<HelmetOptions>): SecurityHeaders {
  const headers = new Map<string, readonly [string, string]>();
  const response = {
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  };
  let finished = false;
  let failure: unknown;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    finished = true;
    failure = error;
  });
  if (!finished || failure) throw new Error('helmet did not set its headers', { cause: failure });
  return [...headers.values()];
}
