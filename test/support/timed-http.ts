export interface TimedResponse {
  /** 0 when no reply came within the client's own timeout. */
  status: number;
  ms: number;
  body: any;
  text: string;
  headers: Headers;
  requestId: string;
}

export interface TimedRequest {
  method: string;
  path: string;
  json?: unknown;
  token?: string;
  headers?: Record<string, string>;
  requestId: string;
}

/**
 * One request that never waits longer than `timeoutMs` (fault tests must not hang on a service that hangs),
 * with the time it took to answer.
 */
export async function timedRequest(baseUrl: string, request: TimedRequest, timeoutMs: number): Promise<TimedResponse> {
  const headers: Record<string, string> = { 'x-request-id': request.requestId, ...request.headers };
  if (request.json !== undefined) headers['content-type'] = 'application/json';
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const started = Date.now();
  try {
    const response = await fetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers,
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: the assertions on the shape report it.
    }
    return {
      status: response.status,
      ms: Date.now() - started,
      body,
      text,
      headers: response.headers,
      requestId: request.requestId,
    };
  } catch (error) {
    const text = `no reply: ${(error as Error).message}`;
    return {
      status: 0,
      ms: Date.now() - started,
      body: undefined,
      text,
      headers: new Headers(),
      requestId: request.requestId,
    };
  }
}

/** A compact line for a failure message: what was asked, what came back, how long it took. */
export function describeResponse(name: string, response: TimedResponse): string {
  return `${name} [${response.requestId}] -> ${response.status} in ${response.ms} ms ${response.text.slice(0, 200)}`;
}
