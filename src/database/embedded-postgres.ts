import type { PGlite } from '@electric-sql/pglite' with { 'resolution-mode': 'import' };
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket' with { 'resolution-mode': 'import' };
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DataDirInUseError, DataDirLock } from './data-dir-lock';

export interface EmbeddedPostgresOptions {
  /** Directory that persists the database; omit for an in-memory database. */
  dataDir?: string;
  /** A tarball from `dumpDataDir()` to start from (tests load a migrated template this way). */
  loadDataDir?: Blob;
}

/**
 * Clients served at once: the service's pool of one, and a CLI command reaching the running database.
 * The server multiplexes them over PGlite's single backend, one transaction at a time.
 */
const MAX_CONNECTIONS = 4;

/**
 * Server settings on top of PGlite's own. initdb sizes shared_buffers for a server (128MB), all of it
 * touched at start in PGlite's WebAssembly memory, which never shrinks; a development database fits in
 * 16MB. Passed at every start, so a data directory made before keeps working and gets them too.
 */
const startParams = (pglite: typeof PGlite): string[] => [...pglite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * A new data directory is initialised (initdb) in a child process: initdb takes ~750 MB of WebAssembly
 * memory for a few seconds, which this process's garbage collector would otherwise hold long after (an
 * idle service kept ~860 MB). The child gives it back when it exits; this process then opens the result.
 */
const INITDB_SCRIPT = `const [pglite, dataDir, params] = process.argv.slice(1);
require(pglite).PGlite.create({ dataDir, startParams: JSON.parse(params) }).then((db) => db.close());`;

async function initdbInChildProcess(dataDir: string, params: string[]): Promise<void> {
  const pglite = require.resolve('@electric-sql/pglite');
  await promisify(execFile)(process.execPath, ['-e', INITDB_SCRIPT, pglite, dataDir, JSON.stringify(params)]);
}

/** Where the embedded database of a DATA_DIR lives. */
export const embeddedDataDir = (dataDir: string): string => join(dataDir, 'pglite');

const socketUrl = (socketDir: string) =>
  `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;

/**
 * PGlite (real PostgreSQL compiled to WebAssembly) served over a private Unix socket, so the
 * application reaches it through the same `pg` driver and SQL it uses against a PostgreSQL server.
 * PGlite is single-connection: each client must use a pool of one connection. A data directory is
 * opened by one process at a time (see DataDirLock); other processes reach that one over its socket.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly socketDir: string,
    private readonly lock: DataDirLock | undefined,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    let lock: DataDirLock | undefined;
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
      lock = DataDirLock.acquire(options.dataDir);
    }
    try {
      // Loaded here, not at the top: a service on a PostgreSQL server never loads PGlite.
      const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
        import('@electric-sql/pglite'),
        import('@electric-sql/pglite-socket'),
      ]);
      const params = startParams(PGlite);
      if (options.dataDir && !options.loadDataDir && !existsSync(join(options.dataDir, 'PG_VERSION'))) {
        await initdbInChildProcess(options.dataDir, params);
      }
      const db = await PGlite.create({
        dataDir: options.dataDir,
        loadDataDir: options.loadDataDir,
        startParams: params,
      });
      // Unix socket paths are limited to ~107 bytes, so the socket lives in a short private temp dir.
      const socketDir = mkdtempSync(join(tmpdir(), 'twofold-pg-'));
      const server = new PGLiteSocketServer({
        db,
        path: join(socketDir, '.s.PGSQL.5432'),
        maxConnections: MAX_CONNECTIONS,
      });
      await server.start();
      return new EmbeddedPostgres(db, server, socketDir, lock);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /**
   * The connection string of the process serving the database in `dataDir`, when one does; undefined
   * when none holds it. Throws DataDirInUseError while its holder is still starting (not serving yet).
   */
  static runningOn(dataDir: string): string | undefined {
    const holder = DataDirLock.holder(dataDir);
    if (!holder) return undefined;
    if (!holder.socketDir) throw new DataDirInUseError(dataDir, holder, DataDirLock.lockFileOf(dataDir));
    return socketUrl(holder.socketDir);
  }

  /** Connection string for `pg`: the socket directory goes in `host`. */
  get url(): string {
    return socketUrl(this.socketDir);
  }

  /** Lets other processes (the CLI) reach this database: call once it is ready for them (migrated). */
  publish(): void {
    this.lock?.publish(this.socketDir);
  }

  async dump(): Promise<Blob> {
    return this.db.dumpDataDir('none');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.socketDir, { recursive: true, force: true });
    this.lock?.release();
  }
}
