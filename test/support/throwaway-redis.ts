import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitOf, isAlive, killOnExit, signal, waitForExit } from './os-process';
import { freePort } from './service-process';

/** True when the server answers PING with PONG within `timeoutMs`. */
function pong(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => done(chunk.toString().startsWith('+PONG')));
    socket.on('error', () => done(false));
  });
}

/**
 * A redis-server of its own for fault tests, on a free loopback port with no persistence
 * (`--save "" --appendonly no`), so a test can stop, kill or freeze it without touching the machine's
 * shared Redis on 6379. The server is a direct child of this process: its PID is known and it is reaped here.
 */
export class ThrowawayRedis {
  private child: ChildProcess | undefined;
  private readonly unregister: () => void;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {
    this.unregister = killOnExit(() => {
      if (this.pid !== undefined) signal(this.pid, 'SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  static async create(): Promise<ThrowawayRedis> {
    return new ThrowawayRedis(mkdtempSync(join(tmpdir(), 'twofold-throwaway-redis-')), await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid !== undefined && isAlive(this.child.pid) ? this.child.pid : undefined;
  }

  /** Starts the server (again, on the same port) and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error('the throwaway Redis is already running');
    this.child = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        this.dir,
        '--logfile',
        join(this.dir, 'redis.log'),
      ],
      { cwd: this.dir, stdio: 'ignore' },
    );
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (!this.pid) throw new Error(`redis-server exited at start:\n${this.logTail()}`);
      if (await pong(this.port, 500)) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer in 15 s:\n${this.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM: a clean shutdown (nothing to save). */
  async stop(): Promise<void> {
    const child = this.child;
    const pid = this.pid;
    if (!child || pid === undefined) return;
    this.thaw();
    signal(pid, 'SIGTERM');
    if (!(await waitForExit([pid], 10_000))) signal(pid, 'SIGKILL');
    await exitOf(child);
  }

  async kill9(): Promise<void> {
    const child = this.child;
    const pid = this.pid;
    if (!child || pid === undefined) return;
    signal(pid, 'SIGKILL');
    await exitOf(child);
  }

  /** SIGSTOP: the port stays open, connections stay up, nothing answers. */
  freeze(): void {
    if (this.pid === undefined) throw new Error('the throwaway Redis is not running');
    signal(this.pid, 'SIGSTOP');
  }

  thaw(): void {
    if (this.pid !== undefined) signal(this.pid, 'SIGCONT');
  }

  /** Stops the server by PID (SIGKILL if it will not stop) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      if (this.pid !== undefined) signal(this.pid, 'SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
      this.unregister();
    }
  }

  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'redis.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
