import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  code: number | null;
  /** Standard output and error, interleaved as they came. */
  output: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`npm test` builds first) as `npm run cli -- <args>` would, `stdin` piped in;
 * `script` runs another entry point (the `npm run cli` launcher) the same way.
 */
export function runCli(args: string[], env: Record<string, string>, stdin = '', script = CLI): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        JWT_SECRET: 'x'.repeat(40),
        MFA_ENCRYPTION_KEY: 'cd'.repeat(32),
        ...env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(stdin);
    const result = { output: '', stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => {
      result.output += chunk.toString();
      result.stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      result.output += chunk.toString();
      result.stderr += chunk.toString();
    });
    child.on('close', (code) => resolve({ code, ...result }));
  });
}
