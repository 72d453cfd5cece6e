/**
 * The policy on a worker thread, so that no policy can stall serve's event loop, Nix's
 * other requests or a shutdown, nor take the process's memory with it.
 *
 * Ballots are sent in batches, one message per turn of the event loop (at most
 * MAX_BATCH ballots each), packed to hold only what the policy sees (policy-wire.ts).
 * The worker (policy-thread.ts) answers each with the winning hash and the reason, and
 * the Decision is built here (vote/runner.ts `decisionOf`). A policy is held to:
 *
 *   - its instruction budget, library calls charged by the bytes they touch, and its
 *     time limit, inside the worker (vote/lua/budget.ts): the decision is untrusted,
 *     and the policy keeps its state;
 *   - its time limit plus `graceMs`, from here: a single call that runs that long
 *     without being charged gets the worker terminated;
 *   - its memory limit: checked by the worker between decisions, heap and strings
 *     together (its strings live outside V8's heap), which then gives the policy a
 *     fresh state; and twice that for the V8 heap through resourceLimits, where an
 *     overrun ends the thread.
 *
 * When the worker is stopped or dies, the decision it was running is untrusted with a
 * one-line reason, the others in flight go to a fresh worker, and the policy starts
 * again with fresh state: whatever it kept in globals is gone. Closing the runner
 * terminates the worker and answers whatever is pending as untrusted at once.
 */
import { Worker } from 'node:worker_threads';
import type { Ballot, LogInfo } from '../claims.ts';
import type { NarHash } from '../nixfmt/index.ts';
import { CHUNK_TIME_LIMIT_MS, DEFAULT_BUDGET, DEFAULT_TIME_LIMIT_MS, decisionOf, type PolicyRunner } from '../vote/runner.ts';
import type { Decision } from '../vote/types.ts';
import { BUSY, packBallots, STARTED, type FromThread, type ThreadData, type ToThread } from './policy-wire.ts';

export const DEFAULT_MEMORY_LIMIT_MB = 64;
/** How long past its time limit a decision may run before the worker is stopped from outside. */
export const DEFAULT_GRACE_MS = 100;
/** How long a new worker may take to load the policy before it counts as stuck. */
const START_ALLOWANCE_MS = 5_000;
/** A worker that fails to start is not started again sooner than this. */
const RESTART_BACKOFF_MS = 1000;
/**
 * Ballots per message at most. Queued messages wait serialized, outside the worker's
 * heap; what the worker holds at once stays small beside the policy's memory limit.
 */
const MAX_BATCH = 256;
/** A ballot in flight through this many worker deaths is untrusted rather than sent again. */
const MAX_ATTEMPTS = 2;

export interface PolicyWorkerOptions {
  readonly source: string;
  /** The policy file's path, shown in messages. */
  readonly chunkName: string;
  readonly logs: readonly LogInfo[];
  readonly budget?: number;
  readonly timeLimitMs?: number;
  readonly memoryLimitMb?: number;
  readonly graceMs?: number;
}

export interface PolicyWorker extends PolicyRunner {
  decide(ballot: Ballot): Promise<Decision>;
  close(): Promise<void>;
  /** Workers started so far: 1, plus one per restart. */
  readonly started: number;
}

interface Job {
  readonly ballot: Ballot;
  readonly resolve: (d: Decision) => void;
  attempts: number;
}

interface Thread {
  readonly worker: Worker;
  readonly progress: Int32Array;
  ready: boolean;
  /** Jobs sent and not answered yet, in the order sent; the first is the worker's `answered`-th. */
  readonly inflight: Job[];
  /** Batches sent and not answered: their sizes, oldest first. */
  readonly batches: { id: number; size: number }[];
  answered: number;
  /** The decision seen running, and since when (performance.now() here). */
  watched: number;
  since: number;
}

export function startPolicyWorker(opts: PolicyWorkerOptions): PolicyWorker {
  const logs = opts.logs.map((l) => ({ name: l.name, weight: l.weight }));
  const timeLimitMs = opts.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const memoryLimitMb = opts.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB;
  const hardMs = timeLimitMs + (opts.graceMs ?? DEFAULT_GRACE_MS);
  const tickMs = Math.max(5, Math.min(25, Math.floor(hardMs / 8)));
  let thread: Thread | undefined;
  let queue: Job[] = [];
  let flushing = false;
  let closed = false;
  let started = 0;
  let nextId = 0;
  /** Why the last worker failed to start, and when: decisions fail with it until the backoff ends. */
  let failedStart: { reason: string; at: number } | undefined;
  let watchdog: ReturnType<typeof setInterval> | undefined;

  const untrusted = (job: Job, reason: string): void => job.resolve(decisionOf(job.ballot, logs, { reason, spent: 0 }));
  // Started now, so the first path does not wait for the worker to load; it holds the
  // process open only while decisions are pending.
  thread = spawn();
  thread.worker.unref();

  function spawn(): Thread {
    const progress = new Int32Array(new SharedArrayBuffer(8));
    const data: ThreadData = {
      source: opts.source, chunkName: opts.chunkName, logs, budget: opts.budget ?? DEFAULT_BUDGET,
      timeLimitMs, loadTimeLimitMs: CHUNK_TIME_LIMIT_MS, memoryLimitBytes: memoryLimitMb * 2 ** 20, progress: progress.buffer as SharedArrayBuffer,
    };
    const worker = newWorker(data, memoryLimitMb);
    started++;
    const t: Thread = { worker, progress, ready: false, inflight: [], batches: [], answered: 0, watched: -1, since: 0 };
    worker.on('message', (m: FromThread) => {
      if (thread !== t) return;
      if (m.kind === 'ready') {
        t.ready = true;
        failedStart = undefined;
      } else if (m.kind === 'load-error') {
        lost(t, `policy did not load on its worker: ${m.message}`);
      } else {
        judged(t, m);
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (thread !== t) return;
      lost(t, e.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `policy ran out of memory (its worker's heap is limited to ${2 * memoryLimitMb} MiB); the worker was stopped and the policy restarted with fresh state`
        : `policy worker failed: ${e.message}; the policy restarted with fresh state`);
    });
    worker.on('exit', (code) => {
      if (thread === t) lost(t, `policy worker exited (${code}); the policy restarted with fresh state`);
    });
    return t;
  }

  function judged(t: Thread, m: Extract<FromThread, { kind: 'judged' }>): void {
    const batch = t.batches.shift();
    if (batch?.id !== m.id) return lost(t, `policy worker answered batch ${m.id} where ${batch?.id} was due; the policy restarted with fresh state`);
    const jobs = t.inflight.splice(0, batch.size);
    t.answered += jobs.length;
    jobs.forEach((job, i) => {
      const hash = m.hashes[i];
      const reason = m.reasons[i] ?? 'policy worker gave no answer';
      job.resolve(decisionOf(job.ballot, logs, hash === null || hash === undefined ? { reason, spent: 0 } : { narHash: hash as NarHash, reason, spent: 0 }));
    });
    idle();
  }

  /**
   * The worker is gone (or is being stopped): the decision it was running gets
   * `reason`, the rest are sent again to a fresh worker. A worker that never got ready
   * fails everything it held, and is not started again before the backoff.
   */
  function lost(t: Thread, reason: string): void {
    thread = undefined;
    void t.worker.terminate();
    // STARTED is an int32 that wraps; the distance to what was answered does not.
    const running = Atomics.load(t.progress, BUSY) === 1 ? (Atomics.load(t.progress, STARTED) - 1 - t.answered) | 0 : -1;
    const again: Job[] = [];
    t.inflight.forEach((job, i) => {
      if (!t.ready) return untrusted(job, reason);
      if (i === running) return untrusted(job, reason);
      if (++job.attempts >= MAX_ATTEMPTS) return untrusted(job, `${reason} (while deciding another path, twice)`);
      again.push(job);
    });
    if (!t.ready) failedStart = { reason, at: performance.now() };
    queue = again.concat(queue);
    if (queue.length > 0) schedule();
    idle();
  }

  function watch(): void {
    const t = thread;
    if (t === undefined || t.inflight.length === 0) return;
    const now = performance.now();
    const seen = Atomics.load(t.progress, STARTED);
    if (Atomics.load(t.progress, BUSY) !== 1 || seen !== t.watched) {
      t.watched = Atomics.load(t.progress, BUSY) === 1 ? seen : -1;
      t.since = now;
      return;
    }
    // Loading fengari and running the chunk on a fresh thread is a one-off that a loaded
    // machine can make slow: it gets its own, longer allowance.
    if (now - t.since < (t.ready ? hardMs : Math.max(hardMs, START_ALLOWANCE_MS))) return;
    const stuck = `stuck in one call for ${Math.round(now - t.since)} ms`;
    lost(t, t.ready
      ? `policy ran past its time limit of ${timeLimitMs} ms; ${stuck}, its worker was stopped and the policy restarted with fresh state`
      : `policy did not load on its worker within ${Math.max(hardMs, START_ALLOWANCE_MS)} ms (${stuck})`);
  }

  /** Stops the watchdog and lets the process exit when nothing is pending. */
  function idle(): void {
    if (thread !== undefined && thread.inflight.length > 0) return;
    if (watchdog !== undefined) clearInterval(watchdog);
    watchdog = undefined;
    thread?.worker.unref();
  }

  function schedule(): void {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  }

  function flush(): void {
    flushing = false;
    const jobs = queue;
    queue = [];
    if (jobs.length === 0) return;
    if (closed) return jobs.forEach((j) => untrusted(j, STOPPED));
    if (thread === undefined) {
      if (failedStart !== undefined && performance.now() - failedStart.at < RESTART_BACKOFF_MS) {
        return jobs.forEach((j) => untrusted(j, failedStart?.reason ?? 'policy worker is not running'));
      }
      thread = spawn();
    }
    const t = thread;
    t.worker.ref();
    watchdog ??= setInterval(watch, tickMs);
    for (let i = 0; i < jobs.length; i += MAX_BATCH) {
      const batch = jobs.slice(i, i + MAX_BATCH);
      const id = nextId++;
      t.inflight.push(...batch);
      t.batches.push({ id, size: batch.length });
      t.worker.postMessage({ id, ballots: packBallots(batch.map((j) => j.ballot), logs) } satisfies ToThread);
    }
  }

  return {
    logs,
    get started() {
      return started;
    },
    decide(ballot) {
      if (ballot.answers.length !== logs.length) {
        return Promise.reject(new TypeError(`ballot for ${ballot.path} has ${ballot.answers.length} answers for ${logs.length} logs`));
      }
      return new Promise<Decision>((resolve) => {
        const job: Job = { ballot, resolve, attempts: 0 };
        if (closed) return untrusted(job, STOPPED);
        queue.push(job);
        schedule();
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      const t = thread;
      thread = undefined;
      if (watchdog !== undefined) clearInterval(watchdog);
      watchdog = undefined;
      const pending = (t?.inflight ?? []).concat(queue);
      queue = [];
      pending.forEach((j) => untrusted(j, STOPPED));
      await t?.worker.terminate();
    },
  };
}

const STOPPED = 'policy was stopped before it decided: trustix-vote is shutting down';

/**
 * The worker runs policy-thread: the compiled .js next to this file, or under tsx (tests,
 * `node --import tsx`) the .ts, which a worker can only load once tsx is registered in it.
 */
function newWorker(data: ThreadData, memoryLimitMb: number): Worker {
  const options = {
    workerData: data,
    // Old generation twice the limit: the worker resets the policy at the limit itself,
    // between decisions, before V8 would spend its time collecting a nearly full heap.
    // Young generation 16 MB: at 4 MB the worker spent a quarter of its time collecting.
    resourceLimits: { maxOldGenerationSizeMb: 2 * memoryLimitMb, maxYoungGenerationSizeMb: 16 },
    stdout: false,
    stderr: false,
  };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./policy-thread.js', import.meta.url), options);
  const entry = new URL('./policy-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { ...options, eval: true });
}
