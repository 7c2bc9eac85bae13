import { ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { childrenOf, exitOf, isAlive, killOnExit, signal, waitForExit } from './os-process';
import { freePort } from './service-process';

const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * A PostgreSQL 15 cluster of its own for fault tests: initdb in a fresh temp dir, the server run as the
 * `postgres` OS user on a free loopback port (trust auth, fsync off), so a test can stop it, kill it or
 * freeze it without touching the machine's shared server on 5432. The postmaster is a direct child of
 * this process, so its PID is known and it is reaped here.
 */
export class ThrowawayPostgres {
  private child: ChildProcess | undefined;
  private frozen: number[] = [];
  private readonly unregister: () => void;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly account: { uid: number; gid: number },
  ) {
    this.unregister = killOnExit(() => {
      this.signalCluster('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** Runs initdb; the server is not started yet. */
  static async create(): Promise<ThrowawayPostgres> {
    const account = await postgresAccount();
    const dir = mkdtempSync(join(tmpdir(), 'twofold-throwaway-pg-'));
    chownSync(dir, account.uid, account.gid);
    const instance = new ThrowawayPostgres(dir, await freePort(), account);
    mkdirSync(instance.dataDir, { mode: 0o700 });
    chownSync(instance.dataDir, account.uid, account.gid);
    await run(
      `${BIN}/initdb`,
      ['-D', instance.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { ...account, cwd: dir, env: { PATH: process.env.PATH, LC_ALL: 'C' }, timeout: 60_000 },
    );
    return instance;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** The postmaster's PID while it runs. */
  get pid(): number | undefined {
    return this.child?.pid !== undefined && isAlive(this.child.pid) ? this.child.pid : undefined;
  }

  /** Starts the server on the same data directory and port, and waits until it accepts queries. */
  async start(): Promise<void> {
    if (this.pid !== undefined) throw new Error('the throwaway PostgreSQL is already running');
    const log = openSync(join(this.dir, 'postgres.log'), 'a');
    const settings = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: this.dir,
      fsync: 'off',
      full_page_writes: 'off',
      max_connections: '50',
      shared_buffers: '32MB',
    };
    const child = spawn(
      `${BIN}/postgres`,
      [
        '-D',
        this.dataDir,
        '-p',
        String(this.port),
        ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
      ],
      { ...this.account, cwd: this.dir, env: { PATH: process.env.PATH, LC_ALL: 'C' }, stdio: ['ignore', log, log] },
    );
    closeSync(log);
    this.child = child;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!this.pid) throw new Error(`PostgreSQL exited at start:\n${this.logTail()}`);
      if (await this.accepts()) return;
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections in 30 s:\n${this.logTail()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** True when a fresh connection runs `SELECT 1` within a second. */
  async accepts(): Promise<boolean> {
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 1000, query_timeout: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Fast shutdown (SIGINT): sessions are ended, the server stops cleanly. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || this.pid === undefined) return;
    this.thaw();
    signal(child.pid as number, 'SIGINT');
    if (!(await waitForExit([child.pid as number], 30_000))) await this.kill9();
    await exitOf(child);
  }

  /** SIGKILL to the postmaster and every backend at once, as when the host or container is killed. */
  async kill9(): Promise<void> {
    const pids = this.signalCluster('SIGKILL');
    this.frozen = [];
    if (!(await waitForExit(pids, 10_000))) throw new Error(`PostgreSQL processes outlived SIGKILL: ${pids.join(' ')}`);
    if (this.child) await exitOf(this.child);
  }

  /** SIGSTOP to the postmaster and every backend: connections stay open and nothing answers. */
  freeze(): void {
    const pid = this.pid;
    if (pid === undefined) throw new Error('the throwaway PostgreSQL is not running');
    this.frozen = [pid, ...childrenOf(pid)];
    for (const each of this.frozen) signal(each, 'SIGSTOP');
  }

  /** SIGCONT to every process `freeze()` stopped. */
  thaw(): void {
    for (const each of this.frozen) signal(each, 'SIGCONT');
    this.frozen = [];
  }

  /** Stops the server (by PID, SIGKILL if it will not stop) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop();
    } finally {
      this.signalCluster('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
      this.unregister();
    }
  }

  logTail(): string {
    try {
      return readFileSync(join(this.dir, 'postgres.log'), 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Signals the postmaster and its children; returns the PIDs signalled. */
  private signalCluster(name: NodeJS.Signals): number[] {
    const pid = this.pid;
    if (pid === undefined) return [];
    const pids = [pid, ...childrenOf(pid), ...this.frozen];
    for (const each of pids) signal(each, name);
    return pids;
  }
}
