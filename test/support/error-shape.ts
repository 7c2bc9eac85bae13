import { RawResponse } from './raw-http';

/**
 * What is wrong with a reply against the contract (DESIGN section 4): never a 5xx, and every non-2xx is
 * `{statusCode, error, message, requestId}` with `statusCode` equal to the status and an `X-Request-ID`
 * header equal to `requestId`. An empty list means the reply holds.
 */
export function errorShapeProblems(response: Pick<RawResponse, 'status' | 'headers' | 'json'>): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`a ${response.status}`);
  if (response.status >= 200 && response.status < 300) return problems;
  const body = response.json as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    problems.push('the body is not a JSON object');
    return problems;
  }
  if (body.statusCode !== response.status) problems.push(`statusCode ${String(body.statusCode)}`);
  if (typeof body.error !== 'string') problems.push('no error string');
  const message = body.message;
  const messageOk =
    typeof message === 'string' || (Array.isArray(message) && message.every((item) => typeof item === 'string'));
  if (!messageOk) problems.push('message is neither a string nor a list of strings');
  if (typeof body.requestId !== 'string' || body.requestId === '') problems.push('no requestId');
  else if (response.headers['x-request-id'] !== body.requestId) {
    problems.push(`X-Request-ID ${JSON.stringify(response.headers['x-request-id'])} != requestId`);
  }
  return problems;
}

/** The security headers every reply carries (helmet's, set for every request). */
export function securityHeaderProblems(response: Pick<RawResponse, 'headers'>): string[] {
  const expected: Record<string, string | RegExp> = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy': /default-src 'self'/,
    'referrer-policy': 'no-referrer',
  };
  return Object.entries(expected)
    .filter(([name, value]) => {
      const actual = response.headers[name];
      return actual === undefined || (typeof value === 'string' ? actual !== value : !value.test(actual));
    })
    .map(([name]) => `no ${name} header`);
}
