/**
 * The policy's worker thread: loads the Lua policy (vote/policy.ts, the same pure
 * code `policy test` runs) and judges batches of ballots sent by policy-worker.ts.
 *
 *   in:  { id, ballots } (packed by policy-wire.ts)
 *   out: { kind: 'ready' } once loaded, or { kind: 'load-error', message };
 *        { kind: 'judged', id, hashes: (string | null)[], reasons: string[] } per batch
 *
 * While it decides, `progress` (shared with the caller) holds how many decisions it
 * has started and whether one is running, so the caller knows which ballot to blame
 * when it has to stop the thread. The policy's memory is checked here, between
 * decisions: its strings live outside V8's heap, where the thread's resourceLimits do
 * not reach.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import type { NarHash } from '../nixfmt/index.ts';
import { loadPolicy, PolicyLoadError, type Judgement, type Policy } from '../vote/policy.ts';
import { BUSY, STARTED, unpackBallots, type FromThread, type ThreadData, type ToThread } from './policy-wire.ts';

/** A decision that may have made this many bytes of strings is followed by a memory check. */
const CHECK_AFTER_UNITS = 1 << 16;
/** And every this many decisions regardless. */
const CHECK_EVERY = 256;
/**
 * Garbage let pile up before a full collection (run after the batch is answered): V8
 * would otherwise let a fresh isolate's old generation grow to tens of MB before its
 * first one, all of it in serve's RSS.
 */
const GC_SLACK_BYTES = 12 * 2 ** 20;

/** A full collection on demand, to measure what is really live: --expose-gc for this thread's new contexts. */
function gcFunction(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? () => void gc() : undefined;
  } catch {
    return undefined;
  }
}

function main(port: NonNullable<typeof parentPort>, data: ThreadData): void {
  const progress = new Int32Array(data.progress);
  let policy: Policy;
  Atomics.store(progress, BUSY, 1); // running the chunk is watched like a decision
  try {
    policy = loadPolicy({
      source: data.source, chunkName: data.chunkName, logs: data.logs, budget: data.budget,
      time: { ms: data.timeLimitMs, now: () => performance.now() }, chunkTimeMs: data.loadTimeLimitMs,
    });
  } catch (e) {
    port.postMessage({ kind: 'load-error', message: e instanceof PolicyLoadError || e instanceof Error ? e.message : String(e) } satisfies FromThread);
    return;
  } finally {
    Atomics.store(progress, BUSY, 0);
  }
  const gc = gcFunction();
  const limitMiB = Math.round(data.memoryLimitBytes / 2 ** 20);
  const used = (): number => {
    const h = getHeapStatistics();
    return h.used_heap_size + h.external_memory;
  };
  let sinceCheck = 0;
  let live = used();
  let collect = false;

  /** Over the limit (after a full collection, when there is one): a fresh Lua state. */
  function overMemory(): string | undefined {
    const now = used();
    if (now <= data.memoryLimitBytes) {
      collect ||= now > live + GC_SLACK_BYTES;
      return undefined;
    }
    gc?.();
    gc?.();
    const held = used();
    if (held <= data.memoryLimitBytes) return undefined;
    policy.reset();
    gc?.();
    live = used();
    return `policy ran out of memory: its worker held ${(held / 2 ** 20).toFixed(1)} MiB, over the limit of ${limitMiB} MiB; the policy restarted with fresh state`;
  }

  port.on('message', (m: ToThread) => {
    const hashes: (string | null)[] = [];
    const reasons: string[] = [];
    for (const ballot of unpackBallots(m.ballots, data.logs)) {
      Atomics.add(progress, STARTED, 1);
      Atomics.store(progress, BUSY, 1);
      let j: Judgement;
      try {
        j = policy.judge(ballot);
      } catch (e) {
        j = { reason: `policy error: internal: ${e instanceof Error ? e.message : String(e)}`, spent: 0 };
      }
      Atomics.store(progress, BUSY, 0);
      let narHash: NarHash | undefined = j.narHash;
      let reason = j.reason;
      if (j.spent >= CHECK_AFTER_UNITS || ++sinceCheck >= CHECK_EVERY) {
        sinceCheck = 0;
        const over = overMemory();
        if (over !== undefined) [narHash, reason] = [undefined, over];
      }
      hashes.push(narHash ?? null);
      reasons.push(reason);
    }
    port.postMessage({ kind: 'judged', id: m.id, hashes, reasons } satisfies FromThread);
    if (collect && gc !== undefined) {
      collect = false;
      gc();
      live = used();
    }
  });
  port.postMessage({ kind: 'ready' } satisfies FromThread);
}

if (parentPort !== null) main(parentPort, workerData as ThreadData);
