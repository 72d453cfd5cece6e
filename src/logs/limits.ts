/**
 * The machinery every log kind shares, so a kind only has to know how to ask once:
 * per-log and global concurrency, retries after transient failures, the down-log
 * tracker (health.ts), the kind's start step run once, and every failure turned
 * into a fault with a kind and a reason.
 */
import pLimit from 'p-limit';
import { fault, type Answer, type Fault, type Question } from '../claims.ts';
import { NetError, type Ops } from '../ops.ts';
import { createHealth } from './health.ts';
import type { KindSource, LogBase, LogSource, QueryLimits } from './types.ts';

/** An HTTP answer that is neither a claim nor a miss; 5xx and 429 are worth another try. */
export class HttpStatusError extends Error {
  readonly code = 'HTTP_STATUS';
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

const DOWN_AFTER = 3;
const COOL_DOWN_MS = 30_000;

export function withLimits(base: LogBase, source: KindSource, limits: QueryLimits, ops: Ops): LogSource {
  const limit = pLimit(limits.perLog);
  const health = createHealth({ threshold: DOWN_AFTER, coolDownMs: COOL_DOWN_MS });
  let started: { at: number; run: Promise<Answer | undefined>; failed?: boolean } | undefined;

  /** The kind's start step, once; a failed start is tried again after the cool-down. */
  function start(signal: AbortSignal): Promise<Answer | undefined> {
    if (source.start === undefined) return Promise.resolve(undefined);
    const now = ops.now();
    if (started === undefined || (started.failed === true && now - started.at >= COOL_DOWN_MS)) {
      const entry: NonNullable<typeof started> = { at: now, run: source.start(signal).catch((e: unknown) => faultOf(e, limits)) };
      void entry.run.then((a) => {
        if (a !== undefined) entry.failed = true;
        // Given up for want of time: the next question tries again.
        if (a?.outcome === 'fault' && a.kind === 'deadline' && started === entry) started = undefined;
      });
      started = entry;
    }
    return started.run;
  }

  async function query(q: Question, signal: AbortSignal): Promise<Answer> {
    const failed = await start(signal);
    if (failed !== undefined) return failed;
    for (let tries = 0; ; tries++) {
      if (signal.aborted) return deadlineFault();
      const down = health.down(ops.now());
      if (down !== undefined) return fault('log-down', down);
      try {
        const answer = await source.ask(q, signal);
        health.ok();
        return answer;
      } catch (e) {
        if (signal.aborted) return deadlineFault();
        const f = faultOf(e, limits);
        if (countsAsDown(e)) health.failed(f.reason, ops.now());
        if (tries >= limits.retries || !isTransient(e)) return f;
        await ops.sleep(100 * 2 ** tries, signal);
      }
    }
  }

  return {
    name: base.name,
    kind: base.kind,
    weight: base.weight,
    addressing: source.addressing,
    // Per-log first, then global: a task waiting on a slow log holds no global slot.
    query: (q, signal) => limit(() => limits.global(() => query(q, signal))),
  };
}

function deadlineFault(): Fault {
  return fault('deadline', 'no answer before the run deadline');
}

/** One line a person can act on, for whatever a try threw. */
export function faultOf(e: unknown, limits: Pick<QueryLimits, 'timeoutMs'>): Fault {
  if (e instanceof NetError) {
    switch (e.failure) {
      case 'timeout': return fault('timeout', `no answer within ${limits.timeoutMs / 1000} s`);
      case 'refused': return fault('unreachable', 'connection refused');
      case 'unreachable': return fault('unreachable', e.message);
      case 'too-large': return fault('too-large', e.message);
      case 'aborted': return deadlineFault();
      default: return fault('connection', e.message);
    }
  }
  if (e instanceof HttpStatusError) return fault('http-status', e.message);
  return fault('internal', e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e));
}

function isTransient(e: unknown): boolean {
  if (e instanceof HttpStatusError) return e.status >= 500 || e.status === 429;
  return e instanceof NetError && (e.failure === 'reset' || e.failure === 'closed');
}

/** Refused, unreachable and silent logs count toward being marked down: each costs a timeout otherwise. */
function countsAsDown(e: unknown): boolean {
  return e instanceof NetError && (e.failure === 'refused' || e.failure === 'unreachable' || e.failure === 'timeout');
}
