/**
 * Decisions as the server keeps them: voted once per hash part, shared by concurrent
 * requests, kept in a bounded LRU with a TTL, and voted ahead of Nix through the
 * closure. Untrusted and unknown answers are kept only briefly: a later vote may
 * change them. Only what may be served is kept, not ballots or parsed narinfos: about
 * a kilobyte per path.
 */
import { setMaxListeners } from 'node:events';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { hashPartOf, type HashPart, type StorePath } from '../nixfmt/index.ts';
import type { Decided, Engine } from '../engine/engine.ts';
import type { Ops } from '../ops.ts';
import type { Claim, Decision } from '../vote/types.ts';
import { serveable, type Serveable, type ServeableOptions } from './serveable.ts';

/** What the server answers for one hash part, and all its cache keeps. */
export interface Verdict extends Serveable {
  /** Why, in one line: the body of a 404. */
  readonly why: string;
}

/** A fresh vote, with what the decision log and prefetch need. */
export interface Served extends Verdict {
  readonly decision: Decision | undefined;
  /** The winner's references: what Nix will ask for next. */
  readonly references: readonly StorePath[];
  readonly ms: number;
}

export interface VerdictOptions extends ServeableOptions {
  readonly engine: Engine;
  readonly cacheSize: number;
  readonly ttlMs: number;
  readonly deadlineMs: number;
  readonly onDecided: (served: Served) => void;
}

export interface Verdicts {
  forHashPart(hashPart: HashPart): Promise<Verdict>;
  /** Votes these paths in the background so Nix's next requests find them decided. */
  prefetch(paths: readonly StorePath[]): void;
}

const UNTRUSTED_TTL_MS = 10_000;
/** Paths voted in the background at once; Nix's own requests never wait behind them. */
const PREFETCH_LANE = 32;
/** Paths waiting to be prefetched; beyond this they are dropped (Nix will ask anyway). */
const PREFETCH_QUEUE = 10_000;
/** A claim listing more references than this is not followed before the vote. */
const SPECULATE_MAX_REFS = 2000;
const CACHE_BYTES = 64 * 1024 * 1024;

export function createVerdicts(o: VerdictOptions): Verdicts {
  // Both bounds through maxSize: every entry is charged at least CACHE_BYTES/cacheSize,
  // so there are never more than cacheSize of them. lru-cache's `max` would instead
  // allocate ~50 bytes per possible entry up front (5 MB for the default 100,000).
  const floor = Math.ceil(CACHE_BYTES / Math.max(1, o.cacheSize));
  const cache = new LRUCache<string, Verdict>({
    maxSize: CACHE_BYTES,
    sizeCalculation: (v) => Math.max(floor, sizeOf(v)),
  });
  const caching = o.cacheSize > 0 && o.ttlMs > 0;
  const inflight = new Map<string, Promise<Verdict>>();
  const queued = new Set<string>();
  const lane = pLimit(PREFETCH_LANE);
  const deadline = sharedDeadline(o);

  /** Nix asks by hash part, and so does prefetch: a caller never names the path for the logs. */
  function get(hashPart: HashPart, speculate: boolean): Promise<Verdict> {
    const hit = cache.get(hashPart);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = inflight.get(hashPart);
    if (running !== undefined) return running;
    const task = vote(hashPart, speculate).then((served) => {
      const trusted = served.decision?.verdict === 'trusted';
      const kept: Verdict = { narinfo: served.narinfo, nars: served.nars, wouldReject: served.wouldReject, why: served.why };
      if (caching) cache.set(hashPart, kept, { ttl: trusted ? o.ttlMs : Math.min(o.ttlMs, UNTRUSTED_TTL_MS) });
      o.onDecided(served);
      if (trusted) prefetch(served.references);
      return kept;
    }).finally(() => inflight.delete(hashPart));
    inflight.set(hashPart, task);
    return task;
  }

  async function vote(hashPart: HashPart, speculate: boolean): Promise<Served> {
    const t0 = o.ops.now();
    const signal = deadline();
    // Nix walks a closure level by level. For a path Nix itself asked for, start on the
    // next level as soon as the first verified vote names it, one level only: the
    // rest of the walk follows trusted winners, so a liar cannot drive a crawl.
    let ahead = !speculate;
    const onVote = (claim: Claim) => {
      if (ahead || claim.references.length > SPECULATE_MAX_REFS) return;
      ahead = true;
      prefetch(claim.references);
    };
    const decided = await o.engine.decideHashPart(hashPart, signal, onVote);
    const s = await serveable(o, decided, signal);
    return { ...s, why: whyOf(decided?.decision, s), decision: decided?.decision, references: winnerReferences(decided), ms: o.ops.now() - t0 };
  }

  function prefetch(paths: readonly StorePath[]): void {
    for (const p of paths) {
      const hp = hashPartOf(p);
      if (queued.size >= PREFETCH_QUEUE || cache.has(hp) || inflight.has(hp) || queued.has(hp)) continue;
      queued.add(hp);
      void lane(() => {
        queued.delete(hp);
        return get(hp, false);
      }).catch(() => undefined);
    }
  }

  return { forHashPart: (hashPart) => get(hashPart, true), prefetch };
}

function whyOf(d: Decision | undefined, s: Serveable): string {
  if (d === undefined) return 'no log knows this path';
  if (d.verdict === 'trusted' && s.narinfo === undefined) return `${d.reason}, but no upstream serves ${d.narHash}`;
  return d.reason;
}

/** Bytes a cached verdict holds, roughly: strings are UTF-16, each object ~100 bytes. */
function sizeOf(v: Verdict): number {
  let n = 200 + 2 * ((v.narinfo?.length ?? 0) + v.why.length);
  for (const [k, s] of v.nars) n += 150 + 2 * (k.length + s.url.length);
  return n;
}

function winnerReferences(decided: Decided | undefined): StorePath[] {
  if (decided === undefined || decided.decision.verdict !== 'trusted') return [];
  const { decision, ballot } = decided;
  for (const a of ballot.answers) {
    if (a.outcome === 'vote' && a.claim.narHash === decision.narHash) return a.claim.references.filter((r) => r !== decision.path);
  }
  return [];
}

/** One deadline signal per 50 ms of arrivals: an AbortSignal.timeout per vote costs real time. */
function sharedDeadline(o: { ops: Ops; deadlineMs: number }): () => AbortSignal {
  let until = -Infinity;
  let signal = AbortSignal.timeout(o.deadlineMs);
  return () => {
    const now = o.ops.now();
    if (now > until) {
      until = now + 50;
      signal = AbortSignal.timeout(o.deadlineMs);
      setMaxListeners(0, signal);
    }
    return signal;
  };
}
