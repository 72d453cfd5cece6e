/**
 * Offers as the server keeps them: one ballot collected per hash part and shared by
 * every policy and concurrent request, one offer per (policy, hash part) kept in a
 * bounded LRU with a TTL, and paths voted ahead of Nix through the closure.
 * Untrusted and unknown answers are kept only briefly: a later vote may change
 * them. Only what may be served is kept, not ballots or parsed narinfos: about a
 * kilobyte per path.
 */
import { LRUCache } from 'lru-cache';
import type { Ballot, Claim } from '../claims.ts';
import type { Engine, NamedPolicy } from '../engine/engine.ts';
import type { Observer } from '../engine/observer.ts';
import { hashPartOf, type HashPart, type StorePath } from '../nixfmt/index.ts';
import { backersOf } from '../vote/backers.ts';
import type { Decision } from '../vote/types.ts';
import { createAdmissionCache, createRecentKeys } from './cache.ts';
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
const NOBODY_KNOWS = 'no log knows this path';

/** Paths waiting to be prefetched; beyond this they are dropped (Nix will ask anyway). */
const PREFETCH_QUEUE = 10_000;
/** Keys remembered as voted, per generation (two of them: at most ~3 MB). */
const RECENT_KEYS = 40_000;
/** A claim listing more references than this is not followed before the vote. */
const SPECULATE_MAX_REFS = 2000;
/** What the offers may hold in all: serve's whole RSS budget is 150 MB (see bench/serve-memory.ts). */
const CACHE_BYTES = 16 * 1024 * 1024;
/** With several policies, a ballot is kept this long for the others to decide over. */
const BALLOT_SHARE_MS = 30_000;

export function createOffers(o: OffersOptions): Offers {
  const policies = new Map(o.policies.map((p) => [p.name, p]));
  const clock = { now: () => o.ops.now() };
  const caching = o.cacheSize > 0 && o.ttlMs > 0;
  // Bounded by what entries cost and by cache-size; scan-resistant, with room kept
  // for what prefetch votes ahead of Nix (cache.ts).
  const cache = createAdmissionCache<Answered>({
    maxBytes: CACHE_BYTES, maxEntries: caching ? o.cacheSize : 0, sizeOf, now: clock.now,
  });
  const inflight = new Map<string, Promise<Answered>>();
  /** Keys Nix asked for while prefetch was still voting them: not "ahead" once decided. */
  const asked = new Set<string>();
  const ballots = createBallots(o, clock);
  const queue = new Map<string, { policy: NamedPolicy; hashPart: HashPart }>();
  /** The queue's keys, newest last: Nix 2.8 walks a closure depth first (it asks for the newest references first). */
  const stack: string[] = [];
  let running = 0;
  /**
   * What was voted within the TTL, cache or not: a path many others refer to is named
   * again by each of them, and Nix, which asks for a path once, has it in its own
   * narinfo cache by then. Not voted ahead again; Nix's own request always is.
   */
  const voted = createRecentKeys(RECENT_KEYS, o.ttlMs, clock.now);

  /** Nix asks by hash part, and so does prefetch: a caller never names the path for the logs. */
  function get(policy: NamedPolicy, hashPart: HashPart, ahead: boolean): Promise<Answered> {
    const key = `${policy.name}/${hashPart}`;
    if (!ahead) {
      const hit = cache.get(key);
      pump();
      if (hit !== undefined) return Promise.resolve(hit);
    }
    const voting = inflight.get(key);
    if (voting !== undefined) {
      if (ahead) return voting;
      asked.add(key);
      // A path voted ahead may have had no name yet: the trusted path that names it for a
      // Trustix log (engine.ts) was still being decided. Nix's own request asks again.
      return voting.then((r) => (r.why === NOBODY_KNOWS ? get(policy, hashPart, false) : r));
    }
    const task = vote(policy, hashPart, !ahead).then((made) => {
      const trusted = made.decision?.verdict === 'trusted';
      const kept: Answered = {
        narinfo: made.narinfo, nars: made.nars, wouldReject: made.wouldReject, why: made.why,
        ...(made.narHash !== undefined && { narHash: made.narHash }),
      };
      voted.add(key);
      const unnamed = ahead && made.why === NOBODY_KNOWS;
      if (caching && !unnamed) cache.set(key, kept, trusted ? o.ttlMs : Math.min(o.ttlMs, UNTRUSTED_TTL_MS), ahead && !asked.has(key));
      o.observer.offered?.(made);
      if (trusted) prefetch(made.references, policy);
      return kept;
    }).finally(() => {
      inflight.delete(key);
      asked.delete(key);
    });
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
      if (ballot === undefined) return { ...base, ...NOTHING, why: NOBODY_KNOWS, decision: undefined, ms: o.ops.now() - t0 };
      const decision = await o.engine.decide(ballot, policy);
      const offer = await makeOffer(o, ballot, decision, deadline.signal);
      return { ...offer, policy: policy.name, why: whyOf(decision, offer), decision, references: winnerClaimReferences(ballot, decision), ms: o.ops.now() - t0 };
    } finally {
      deadline.clear();
    }
  }

  /** Voted newest first, as Nix asks; only as far ahead as the cache keeps. */
  function prefetch(paths: readonly StorePath[], policy: NamedPolicy): void {
    if (o.prefetch === false || !caching) return;
    for (const p of paths) {
      const hashPart = hashPartOf(p);
      const key = `${policy.name}/${hashPart}`;
      if (queue.size >= PREFETCH_QUEUE || queue.has(key) || inflight.has(key) || voted.has(key) || cache.has(key)) continue;
      queue.set(key, { policy, hashPart });
      stack.push(key);
    }
    pump();
  }

  function pump(): void {
    while (queue.size > 0 && running < PREFETCH_LANE && cache.aheadRoom() > running) {
      const key = stack.pop()!;
      const next = queue.get(key)!;
      queue.delete(key);
      if (inflight.has(key) || voted.has(key) || cache.has(key)) continue;
      running += 1;
      void get(next.policy, next.hashPart, true).catch(() => undefined).finally(() => {
        running -= 1;
        pump();
      });
    }
  }

  return {
    hasPolicy: (name) => policies.has(name),
    forHashPart(hashPart, name = '') {
      const policy = policies.get(name);
      return policy && get(policy, hashPart, false);
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
 * Bytes a cached offer holds, as measured with heap snapshots and heap deltas
 * (bench/serve-memory.ts; 2.3 KB for a narinfo of 700 characters with 4 upstreams): the
 * entry, its narinfo and reason (one byte a character, flat), one object with its URL
 * per upstream, each file hash once, and the cache's own record, key and map slot.
 */
function sizeOf(v: Answered): number {
  let n = 600 + (v.narinfo?.length ?? 0) + v.why.length;
  let hash: string | undefined;
  for (const s of v.nars) {
    n += 100 + s.url.length;
    if (s.fileHash !== undefined && s.fileHash !== hash) n += 20 + s.fileHash.length;
    hash = s.fileHash;
  }
  return n;
}

/** The winner's references: what Nix will ask for next. */
function winnerClaimReferences(ballot: Ballot, decision: Decision): StorePath[] {
  const [winner] = backersOf(ballot, decision);
  return winner === undefined ? [] : winner.references.filter((r) => r !== decision.path);
}
