/**
 * serve's resident memory, kept under a budget. V8 grows the heap to hold the garbage of
 * many votes in flight long before it collects it (serve reached 235 MB at 20,000 paths
 * with 90 MB live), so when the resident size passes the budget, a full collection runs
 * and V8 hands the freed pages back. It runs at most once per `minGapMs`: a budget below
 * what is really live costs a collection every so often, never a loop.
 */
import type { EventEmitter } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * V8 flags that keep serve's heap near what it holds: the young generation stays at its
 * starting size instead of growing to 32 MB and staying there, and the old generation is
 * collected once it grows by a fifth over what was live, not by up to four times. V8 reads
 * both as the heap grows, so they work when set at run time; but each new Worker puts V8's
 * flags back as the command line had them, so the governor sets them again as soon as a
 * Worker is made and again when it is running, and every tick. A second is long enough:
 * the young generation grew to 16 MB in the second after the signature worker started
 * and never shrank (serve's RSS 140–171 MB in a 20,000-path walk; 129–135 MB held).
 */
export const LEAN_HEAP_FLAGS: readonly string[] = ['--semi-space-growth-factor=1', '--heap-growing-percent=20'];

export function leanHeap(flags: readonly string[] = LEAN_HEAP_FLAGS): void {
  for (const f of flags) setFlagsFromString(f);
}

/**
 * Keeps `flags` set from now on, again whenever a Worker starts (which puts them back as
 * the command line had them). The returned function stops watching for Workers.
 */
export function holdHeapFlags(flags: readonly string[]): () => void {
  const again = () => leanHeap(flags);
  const onWorker = (worker: EventEmitter) => {
    again();
    worker.once('online', again);
  };
  again();
  process.on('worker', onWorker);
  return () => void process.off('worker', onWorker);
}

/**
 * check runs once and as fast as it can, so it keeps V8's defaults while its closure is
 * small (a NixOS system is 2,000–5,000 paths). Past `paths` decisions the old generation
 * is collected once it grows by a fifth over what was live; by default V8 let it grow to
 * four times: check of 50,000 paths held 38 MB live in 170 MB of heap, 290–320 MB
 * resident; 198–222 MB with the flag set past 5,000 paths (bench/scale.ts).
 */
export function leanPast(paths: number, flags: readonly string[] = ['--heap-growing-percent=20']): { decided(done: number): void; stop(): void } {
  let release: (() => void) | undefined;
  return {
    decided(done) {
      if (release === undefined && done >= paths) release = holdHeapFlags(flags);
    },
    stop: () => release?.(),
  };
}

export interface MemoryGovernor {
  stop(): void;
  /** Full collections it ran. */
  readonly collections: number;
}

export function governMemory(opts: { budgetBytes: number; everyMs?: number; minGapMs?: number; heapFlags?: readonly string[] }): MemoryGovernor {
  setFlagsFromString('--expose-gc');
  const flags = opts.heapFlags ?? [];
  const gc = runInNewContext('gc') as (() => void) | undefined;
  let last = -Infinity;
  let collections = 0;
  const release = holdHeapFlags(flags);
  const timer = setInterval(() => {
    leanHeap(flags);
    if (gc === undefined || process.memoryUsage.rss() <= opts.budgetBytes) return;
    const now = performance.now();
    if (now - last < (opts.minGapMs ?? 5_000)) return;
    last = now;
    collections += 1;
    gc();
  }, opts.everyMs ?? 1000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      release();
    },
    get collections() {
      return collections;
    },
  };
}
