import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** What a lock file says: which process holds the data directory, and where it serves it once up. */
export interface DataDirHolder {
  pid: number;
  /** The directory of the holder's PGlite socket; absent while it is still starting. */
  socketDir?: string;
}

/** The data directory is held by another live process. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: DataDirHolder,
    readonly lockFile: string,
  ) {
    super(
      `the embedded database in DATA_DIR ${dirname(dataDir)} is open in another process (pid ${holder.pid}, ` +
        `the service or a CLI command): stop it or use DATABASE_URL. If no such process runs, delete ${lockFile}`,
    );
  }
}

/** Lock files this process holds: its own pid in a lock file is a stale one otherwise (a restarted container's pid 1). */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function read(lockFile: string): DataDirHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockFile, 'utf8')) as DataDirHolder;
    return Number.isInteger(holder.pid) ? holder : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // Unreadable or torn: a holder of ours writes it whole (link and rename), so it is not one.
    return { pid: 0 };
  }
}

function isLive(lockFile: string, holder: DataDirHolder): boolean {
  if (holder.pid === process.pid) return heldHere.has(lockFile);
  return holder.pid > 0 && alive(holder.pid);
}

/**
 * An exclusive claim on a PGlite data directory, so two PGlite instances (a service and a CLI, or two
 * services) never open one directory: the second would work on its own copy and its writes would be
 * lost. The claim is a lock file beside the directory, created whole and atomically (written to a
 * temporary file, then hard-linked into place, which fails if the file exists), naming the pid. A lock
 * whose process is gone is stale and taken over.
 */
export class DataDirLock {
  private constructor(private readonly lockFile: string) {}

  static lockFileOf(dataDir: string): string {
    return join(dirname(dataDir), `${basename(dataDir)}.lock`);
  }

  /** The live process holding `dataDir`, if any. */
  static holder(dataDir: string): DataDirHolder | undefined {
    const lockFile = DataDirLock.lockFileOf(dataDir);
    const holder = read(lockFile);
    return holder && isLive(lockFile, holder) ? holder : undefined;
  }

  /** Claims `dataDir` for this process, or throws DataDirInUseError naming the live holder. */
  static acquire(dataDir: string): DataDirLock {
    const lockFile = DataDirLock.lockFileOf(dataDir);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (DataDirLock.link(lockFile, { pid: process.pid })) {
        heldHere.add(lockFile);
        return new DataDirLock(lockFile);
      }
      const holder = read(lockFile);
      if (holder && isLive(lockFile, holder)) throw new DataDirInUseError(dataDir, holder, lockFile);
      DataDirLock.removeStale(dataDir, lockFile);
    }
    throw new Error(`could not take ${lockFile}: other processes keep taking it`);
  }

  /** Creates `lockFile` whole with `holder` in it; false if it exists. */
  private static link(lockFile: string, holder: DataDirHolder): boolean {
    const temporary = `${lockFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(holder), { mode: 0o600 });
    try {
      linkSync(temporary, lockFile);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return false;
    } finally {
      rmSync(temporary, { force: true });
    }
  }

  /**
   * Moves the stale lock aside before deleting it, so that of two processes taking over one stale lock
   * neither deletes the fresh lock the other just made: what was moved is checked again, and put back
   * if it turns out live.
   */
  private static removeStale(dataDir: string, lockFile: string): void {
    const aside = `${lockFile}.${process.pid}.stale`;
    try {
      renameSync(lockFile, aside);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    const moved = read(aside);
    if (moved && isLive(lockFile, moved)) {
      try {
        linkSync(aside, lockFile);
      } finally {
        rmSync(aside, { force: true });
      }
      throw new DataDirInUseError(dataDir, moved, lockFile);
    }
    rmSync(aside, { force: true });
  }

  /** Records where this process serves the database, for a CLI to reach it. */
  publish(socketDir: string): void {
    const temporary = `${this.lockFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ pid: process.pid, socketDir } satisfies DataDirHolder), {
      mode: 0o600,
    });
    renameSync(temporary, this.lockFile);
  }

  release(): void {
    heldHere.delete(this.lockFile);
    if (read(this.lockFile)?.pid === process.pid) rmSync(this.lockFile, { force: true });
  }
}
