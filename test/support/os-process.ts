import { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The state letter and parent of a process from /proc (undefined once it is gone). */
function stat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself hold spaces or parentheses: read after the last one.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** True while the process runs (a zombie waiting to be reaped counts as gone). */
export function isAlive(pid: number): boolean {
  const status = stat(pid);
  return status !== undefined && status.state !== 'Z' && status.state !== 'X';
}

/** The direct children of `pid` (PostgreSQL's backends and helpers are children of the postmaster). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((candidate) => stat(candidate)?.ppid === pid);
}

/** Sends a signal, ignoring a process that is already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Waits, in bounded steps, until every pid is gone; false if some still run after `timeoutMs`. */
export async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** Resolves when the spawned child has exited (immediately if it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const emergencyKills = new Set<() => void>();
let exitHookInstalled = false;

/**
 * Runs `kill` if this process exits while a throwaway server is still up (a crashed or interrupted test
 * run), so no server outlives its test file. Returns the function that unregisters it.
 */
export function killOnExit(kill: () => void): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => emergencyKills.forEach((run) => run()));
  }
  emergencyKills.add(kill);
  return () => emergencyKills.delete(kill);
}
