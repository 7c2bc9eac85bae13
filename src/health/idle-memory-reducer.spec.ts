import { IdleMemoryReducer, shouldReduce } from './idle-memory-reducer';

const MiB = 1024 * 1024;

describe('shouldReduce', () => {
  it.each([
    { utilization: 0.01, rssMiB: 180, expected: true, why: 'idle, 30 MiB above the baseline' },
    { utilization: 0.01, rssMiB: 160, expected: false, why: 'idle, but only 10 MiB above it' },
    { utilization: 0.3, rssMiB: 200, expected: false, why: 'grown, but serving' },
    { utilization: 0.02, rssMiB: 200, expected: false, why: 'at the idle threshold counts as busy' },
  ])('$why: $expected', ({ utilization, rssMiB, expected }) => {
    expect(shouldReduce({ utilization, rssBytes: rssMiB * MiB }, 150 * MiB)).toBe(expected);
  });
});

describe('IdleMemoryReducer', () => {
  const rss = () => process.memoryUsage.rss();
  /**
   * V8 13 (Node 24) pools the pages a collection frees, and this collection is what returns them. Node 20's
   * V8 returns freed pages by itself, from a background thread, and reads no collection `flavor`.
   */
  const poolsPages = Number(process.versions.v8.split('.')[0]) >= 13;

  /** About 100 MB of objects that survive long enough to reach the old generation, then are dropped. */
  function churn(): void {
    let junk: { index: number; text: string }[] | undefined = [];
    for (let i = 0; i < 1_200_000; i++) junk.push({ index: i, text: `entry ${i}` });
    expect(junk).toHaveLength(1_200_000);
    junk = undefined;
  }

  it('gives the memory of finished work back once idle, and then waits for new growth', () => {
    const reducer = new IdleMemoryReducer();
    churn();
    const before = rss();
    expect(reducer.check({ utilization: 0.3, rssBytes: before })).toBe(false);
    expect(reducer.check({ utilization: 0, rssBytes: before })).toBe(true);
    if (poolsPages) expect(before - rss()).toBeGreaterThan(32 * MiB);
    expect(reducer.check({ utilization: 0, rssBytes: rss() })).toBe(false);
  });
});
