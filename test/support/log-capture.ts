import { Writable } from 'node:stream';

/**
 * Captures the JSON log lines the service writes. nestjs-pino sends lines logged outside a request
 * (background mail, jobs) to the first app started in the module registry, so give the capture to the
 * first app a test file starts.
 */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((line) => line !== ''),
    );
    done();
  }

  entries(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, any>);
  }
}
