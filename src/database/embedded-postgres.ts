import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Directory that persists the database; omit for an in-memory database. */
  dataDir?: string;
  /** A tarball from `dumpDataDir()` to start from (tests load a migrated template this way). */
  loadDataDir?: Blob;
}

/**
 * PGlite (real PostgreSQL compiled to WebAssembly) served over a private Unix socket, so the
 * application reaches it through the same `pg` driver and SQL it uses against a PostgreSQL server.
 * PGlite is single-connection: clients must use a pool of one connection.
 */
export class EmbeddedPostgres {
  private constructor(
    readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly socketDir: string,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const db = await PGlite.create({ dataDir: options.dataDir, loadDataDir: options.loadDataDir });
    // Unix socket paths are limited to ~107 bytes, so the socket lives in a short private temp dir.
    const socketDir = mkdtempSync(join(tmpdir(), 'twofold-pg-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432') });
    await server.start();
    return new EmbeddedPostgres(db, server, socketDir);
  }

  /** Connection string for `pg`: the socket directory goes in `host`. */
  get url(): string {
    return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(this.socketDir)}`;
  }

  async dump(): Promise<Blob> {
    return this.db.dumpDataDir('none');
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    rmSync(this.socketDir, { recursive: true, force: true });
  }
}
