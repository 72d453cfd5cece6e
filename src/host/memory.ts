/**
 * serve's resident memory, kept under a budget. V8 grows the heap to hold the garbage of
 * many votes in flight long before it collects it (serve reached 235 MB at 20,000 paths
 * with 90 MB live), so when the resident size passes the budget, a full collection runs
 * and V8 hands the freed pages back. It runs at most once per `minGapMs`: a budget below
 * what is really live costs a collection every so often, never a loop.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemoryGovernor {
  stop(): void;
  /** Full collections it ran. */
  readonly collections: number;
}

export function governMemory(opts: { budgetBytes: number; everyMs?: number; minGapMs?: number }): MemoryGovernor {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  let last = -Infinity;
  let collections = 0;
  const timer = setInterval(() => {
    if (gc === undefined || process.memoryUsage.rss() <= opts.budgetBytes) return;
    const now = performance.now();
    if (now - last < (opts.minGapMs ?? 5_000)) return;
    last = now;
    collections += 1;
    gc();
  }, opts.everyMs ?? 1000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get collections() {
      return collections;
    },
  };
}
