import { connect } from 'node:net';

/** A request as bytes on the wire: nothing is checked or normalised, so tests can send what fetch refuses. */
export interface RawRequest {
  method: string;
  /** The request target exactly as sent (percent-encoding, NUL, over-long, anything). */
  target: string;
  /** Header values are written byte for byte (each char code below 256 is one byte: control chars included). */
  headers?: [string, string][];
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  /** Lower-case header names; a repeated header keeps its last value. */
  headers: Record<string, string>;
  text: string;
  /** The parsed body when the reply says it is JSON and parses; undefined otherwise. */
  json: unknown;
  ms: number;
}

function decodeChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let guard = 0; guard < 100_000 && offset < body.length; guard++) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parses one HTTP/1.1 reply (the server closes the connection after it: every raw request says `Connection: close`). */
export function parseResponse(raw: Buffer, ms: number): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  if (headEnd < 0)
    throw new Error(
      `no complete reply head in ${raw.length} bytes: ${JSON.stringify(raw.toString('latin1').slice(0, 200))}`,
    );
  const [statusLine, ...lines] = raw.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(headEnd + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = decodeChunked(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  const text = body.toString('utf8');
  let json: unknown;
  if (/json/i.test(headers['content-type'] ?? '') && text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status, headers, text, json, ms };
}

/** Writes raw bytes to the server and reads the reply until the server closes, bounded by `timeoutMs`. */
export function sendRawBytes(port: number, bytes: Buffer, timeoutMs = 15_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (error?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const received = Buffer.concat(chunks);
      // A server that answers early (413, 415, 431) may reset the connection while the body is still
      // being written: the reply read before the reset is what counts.
      if (received.indexOf('\r\n\r\n') >= 0) {
        try {
          resolve(parseResponse(received, Date.now() - started));
        } catch (parseError) {
          reject(parseError instanceof Error ? parseError : new Error(String(parseError)));
        }
        return;
      }
      reject(error ?? new Error(`the server closed the connection without a reply (${received.length} bytes)`));
    };
    const timer = setTimeout(() => finish(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => finish());
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => socket.write(bytes));
  });
}

/** Serialises a raw request (adding Host, `Connection: close` and Content-Length) and sends it. */
export function sendRaw(port: number, request: RawRequest, timeoutMs?: number): Promise<RawResponse> {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close'];
  for (const [name, value] of request.headers ?? []) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return sendRawBytes(port, body ? Buffer.concat([head, body]) : head, timeoutMs);
}
