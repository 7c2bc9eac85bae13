import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What one check looks at: how busy the event loop was since the last check, and the process's RSS. */
export interface MemoryReading {
  /** Event-loop utilization since the previous check, 0 to 1. */
  utilization: number;
  rssBytes: number;
}

const CHECK_INTERVAL_MS = 10_000;
/** Below this share of busy time the replica is idle (probes and scrapes stay far under it). */
const IDLE_UTILIZATION = 0.02;
/** How far RSS must have grown beyond its level after the last reduction (or its lowest since) first. */
const GROWTH_BYTES = 16 * 1024 * 1024;

/** Idle, and grown enough since the last reduction for a full collection to be worth its pause. */
export function shouldReduce(reading: MemoryReading, baselineBytes: number): boolean {
  return reading.utilization < IDLE_UTILIZATION && reading.rssBytes >= baselineBytes + GROWTH_BYTES;
}

type Collect = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;
let collect: Collect | undefined;

/**
 * V8's memory-reducing full collection: on Node 24 the only one that gives back the heap pages V8 pools
 * after a collection frees them. `gc` comes from a fresh context after `--expose-gc` is set (as Node's own
 * tests get it), so no `gc` is ever global.
 */
function collectAll(): void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as Collect;
  }
  collect({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

/**
 * Gives memory back once a replica goes quiet after work. V8 keeps the pages a collection frees for reuse,
 * and returns them only in a memory-reducing collection, which its memory reducer starts when the
 * allocation rate is low; that rate is measured at collections only, so an isolate that went idle after
 * load keeps the rate of its last busy second and the reducer never starts (`--trace-memory-reducer`:
 * "high alloc" every 8 s for as long as it stays idle). A replica would hold the RSS of its busiest minute
 * for good: 170 MiB after a burst, against 135 MiB once collected. Every 10 s this checks the event loop;
 * when it was idle and RSS has grown 16 MiB beyond where the last reduction left it, one full collection
 * runs (a pause of about 150 ms at this heap size, taken only while nothing is being served).
 */
@Injectable()
export class IdleMemoryReducer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdleMemoryReducer.name);
  private timer?: NodeJS.Timeout;
  private loop = performance.eventLoopUtilization();
  private baselineBytes = process.memoryUsage.rss();

  onApplicationBootstrap(): void {
    this.loop = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.check(this.read()), CHECK_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Reduces when `reading` says so; answers whether it did. The timer passes live readings. */
  check(reading: MemoryReading): boolean {
    if (!shouldReduce(reading, this.baselineBytes)) {
      this.baselineBytes = Math.min(this.baselineBytes, reading.rssBytes);
      return false;
    }
    const started = performance.now();
    collectAll();
    this.baselineBytes = process.memoryUsage.rss();
    this.logger.log(
      `Idle after work: RSS ${mib(reading.rssBytes)} -> ${mib(this.baselineBytes)} MiB ` +
        `after a memory-reducing collection (${(performance.now() - started).toFixed(0)} ms)`,
    );
    return true;
  }

  private read(): MemoryReading {
    const now = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(now, this.loop);
    this.loop = now;
    return { utilization, rssBytes: process.memoryUsage.rss() };
  }
}
