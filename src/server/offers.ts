/**
 * Offers as the server keeps them: one ballot collected per hash part and shared by
 * every policy and concurrent request, one offer per (policy, hash part) kept in a
 * bounded LRU with a TTL, and paths voted ahead of Nix through the closure.
 * Untrusted and unknown answers are kept only briefly: a later vote may change
 * them. Only what may be served is kept, not ballots or parsed narinfos: about a
 * kilobyte per path.
 */
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import type { Ballot, Claim } from '../claims.ts';
import type { Engine, NamedPolicy } from '../engine/engine.ts';
import type { Observer } from '../engine/observer.ts';
import { hashPartOf, type HashPart, type StorePath } from '../nixfmt/index.ts';
import { backersOf } from '../vote/backers.ts';
import type { Decision } from '../vote/types.ts';
import { makeOffer, NOTHING, type Offer, type OfferOptions } from './offer.ts';

/** What the server answers for one hash part under one policy, and all its cache keeps. */
export interface Answered extends Offer {
  /** Why, in one line: the body of a 404. */
  readonly why: string;
}

/** A fresh offer, with what the decision log and metrics need. */
export interface OfferMade extends Answered {
  readonly policy: string;
  readonly decision: Decision | undefined;
  readonly ms: number;
}

export interface OffersOptions extends OfferOptions {
  readonly engine: Engine;
  /** The default policy is named ''; named ones answer under /policy/<name>/. */
  readonly policies: readonly NamedPolicy[];
  readonly cacheSize: number;
  readonly ttlMs: number;
  readonly deadlineMs: number;
  /** Told every fresh offer; the engine tells the same observer each answer and decision. */
  readonly observer: ServeObserver;
  /** Vote ahead of Nix through the closure (on unless a test switches it off). */
  readonly prefetch?: boolean;
}

/** serve's observer: the engine's events, and what was offered to Nix for each decision. */
export interface ServeObserver extends Observer {
  offered?(made: OfferMade): void;
}

export interface Offers {
  hasPolicy(name: string): boolean;
  /** Undefined when no such policy is configured. */
  forHashPart(hashPart: HashPart, policy?: string): Promise<Answered> | undefined;
  /** Votes these paths in the background so Nix's next requests find them decided. */
  prefetch(paths: readonly StorePath[], policy?: string): void;
}

export const UNTRUSTED_TTL_MS = 10_000;
/** Paths voted in the background at once; Nix's own requests never wait behind them. */
const PREFETCH_LANE = 32;
/** Paths waiting to be prefetched; beyond this they are dropped (Nix will ask anyway). */
const PREFETCH_QUEUE = 10_000;
/** A claim listing more references than this is not followed before the vote. */
const SPECULATE_MAX_REFS = 2000;
/** What the offers may hold in all: serve's whole RSS budget is 150 MB (see bench/serve-memory.ts). */
const CACHE_BYTES = 16 * 1024 * 1024;
/** With several policies, a ballot is kept this long for the others to decide over. */
const BALLOT_SHARE_MS = 30_000;

export function createOffers(o: OffersOptions): Offers {
  const policies = new Map(o.policies.map((p) => [p.name, p]));
  const clock = { now: () => o.ops.now() };
  // Both bounds through maxSize: every entry is charged at least CACHE_BYTES/cacheSize,
  // so there are never more than cacheSize of them. lru-cache's `max` would instead
  // allocate ~50 bytes per possible entry up front (5 MB for the default 100,000).
  const floor = Math.ceil(CACHE_BYTES / Math.max(1, o.cacheSize));
  const cache = new LRUCache<string, Answered>({ maxSize: CACHE_BYTES, sizeCalculation: (v) => Math.max(floor, sizeOf(v)), perf: clock, ttlResolution: 0 });
  const caching = o.cacheSize > 0 && o.ttlMs > 0;
  const inflight = new Map<string, Promise<Answered>>();
  const ballots = createBallots(o, clock);
  const queued = new Set<string>();
  const lane = pLimit(PREFETCH_LANE);

  /** Nix asks by hash part, and so does prefetch: a caller never names the path for the logs. */
  function get(policy: NamedPolicy, hashPart: HashPart, speculate: boolean): Promise<Answered> {
    const key = `${policy.name}/${hashPart}`;
    const hit = cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = inflight.get(key);
    if (running !== undefined) return running;
    const task = vote(policy, hashPart, speculate).then((made) => {
      const trusted = made.decision?.verdict === 'trusted';
      const kept: Answered = {
        narinfo: made.narinfo, nars: made.nars, wouldReject: made.wouldReject, why: made.why,
        ...(made.narHash !== undefined && { narHash: made.narHash }),
      };
      if (caching) cache.set(key, kept, { ttl: trusted ? o.ttlMs : Math.min(o.ttlMs, UNTRUSTED_TTL_MS) });
      o.observer.offered?.(made);
      if (trusted) prefetch(made.references, policy);
      return kept;
    }).finally(() => inflight.delete(key));
    inflight.set(key, task);
    return task;
  }

  async function vote(policy: NamedPolicy, hashPart: HashPart, speculate: boolean): Promise<OfferMade & { references: readonly StorePath[] }> {
    const t0 = o.ops.now();
    const deadline = o.ops.deadline(o.deadlineMs);
    try {
      // Nix walks a closure level by level. For a path Nix itself asked for, start on the
      // next level as soon as the first verified vote names it, one level only: the
      // rest of the walk follows trusted winners, so a liar cannot drive a crawl.
      let ahead = !speculate || o.prefetch === false;
      const onVote = (claim: Claim) => {
        if (ahead || claim.references.length > SPECULATE_MAX_REFS) return;
        ahead = true;
        prefetch(claim.references, policy);
      };
      const ballot = await ballots.collect(hashPart, deadline.signal, onVote);
      const base = { policy: policy.name, ms: 0, references: [] as readonly StorePath[] };
      if (ballot === undefined) return { ...base, ...NOTHING, why: 'no log knows this path', decision: undefined, ms: o.ops.now() - t0 };
      const decision = await o.engine.decide(ballot, policy);
      const offer = await makeOffer(o, ballot, decision, deadline.signal);
      return { ...offer, policy: policy.name, why: whyOf(decision, offer), decision, references: winnerClaimReferences(ballot, decision), ms: o.ops.now() - t0 };
    } finally {
      deadline.clear();
    }
  }

  function prefetch(paths: readonly StorePath[], policy: NamedPolicy): void {
    if (o.prefetch === false) return;
    for (const p of paths) {
      const hp = hashPartOf(p);
      const key = `${policy.name}/${hp}`;
      if (queued.size >= PREFETCH_QUEUE || cache.has(key) || inflight.has(key) || queued.has(key)) continue;
      queued.add(key);
      void lane(() => {
        queued.delete(key);
        return get(policy, hp, false);
      }).catch(() => undefined);
    }
  }

  return {
    hasPolicy: (name) => policies.has(name),
    forHashPart(hashPart, name = '') {
      const policy = policies.get(name);
      return policy && get(policy, hashPart, true);
    },
    prefetch(paths, name = '') {
      const policy = policies.get(name);
      if (policy !== undefined) prefetch(paths, policy);
    },
  };
}

/**
 * Ballots by hash part: one collection in flight per hash part, and with several
 * policies, kept briefly so each policy decides over the same answers.
 */
function createBallots(o: OffersOptions, clock: { now(): number }) {
  const shared = o.policies.length > 1;
  const recent = new LRUCache<HashPart, Ballot | 'none'>({ max: shared ? 4096 : 1, ttl: BALLOT_SHARE_MS, perf: clock, ttlResolution: 0 });
  const inflight = new Map<HashPart, Promise<Ballot | undefined>>();
  return {
    collect(hashPart: HashPart, signal: AbortSignal, onVote: (c: Claim) => void): Promise<Ballot | undefined> {
      const kept = shared ? recent.get(hashPart) : undefined;
      if (kept !== undefined) return Promise.resolve(kept === 'none' ? undefined : kept);
      const running = inflight.get(hashPart);
      if (running !== undefined) return running;
      const task = o.engine.collectHashPart(hashPart, signal, onVote).then((b) => {
        if (shared) recent.set(hashPart, b ?? 'none');
        return b;
      }).finally(() => inflight.delete(hashPart));
      inflight.set(hashPart, task);
      return task;
    },
  };
}

function whyOf(d: Decision, s: Offer): string {
  if (d.verdict === 'trusted' && s.narinfo === undefined) return `${d.reason}, but no upstream serves ${d.narHash}`;
  return d.reason;
}

/**
 * Bytes a cached offer holds, as measured with heap snapshots (bench/serve-memory.ts):
 * the entry, its narinfo and reason (one byte a character, flat), the NAR map and one
 * object with its URL and file hash per upstream.
 */
function sizeOf(v: Answered): number {
  let n = 400 + (v.narinfo?.length ?? 0) + v.why.length;
  for (const s of v.nars) n += 150 + s.url.length + (s.fileHash?.length ?? 0);
  return n;
}

/** The winner's references: what Nix will ask for next. */
function winnerClaimReferences(ballot: Ballot, decision: Decision): StorePath[] {
  const [winner] = backersOf(ballot, decision);
  return winner === undefined ? [] : winner.references.filter((r) => r !== decision.path);
}
