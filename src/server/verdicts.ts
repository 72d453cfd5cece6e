/**
 * Decisions as the server needs them: voted once per path, shared by concurrent
 * requests, kept in a bounded LRU with a TTL, and turned into exactly what may be
 * served — the narinfo text and the NARs (NarHash × upstream) the nar/ route may stream.
 * Untrusted and unknown answers are kept only briefly: a later vote may change them.
 */
import { setMaxListeners } from 'node:events';
import { LRUCache } from 'lru-cache';
import pLimit from 'p-limit';
import { hashPartOf, MAX_NARINFO_BYTES, parseNarInfo, type HashPart, type SecretKey, type StorePath } from '../nixfmt/index.ts';
import type { Decided, Engine } from '../engine/engine.ts';
import type { Ops } from '../ops.ts';
import type { Claim } from '../vote/types.ts';
import { servedNarInfo, type Source } from './narinfo.ts';

export interface Served {
  readonly decided: Decided | undefined;
  /** The narinfo to answer with; undefined means 404. */
  readonly narinfo: string | undefined;
  /** The NARs the nar/ route may stream, keyed by `${narHash}-${upstreamIndex}`. */
  readonly nars: ReadonlyMap<string, Source>;
  /** In report mode: served although the policy would have rejected it. */
  readonly wouldReject: boolean;
  readonly ms: number;
}

export interface VerdictOptions {
  readonly engine: Engine;
  readonly ops: Ops;
  readonly key: SecretKey;
  readonly upstreams: readonly string[];
  readonly mode: 'enforce' | 'report';
  readonly cacheSize: number;
  readonly ttlMs: number;
  readonly deadlineMs: number;
  readonly onDecided: (served: Served) => void;
}

const UNTRUSTED_TTL_MS = 10_000;

export interface Verdicts {
  forHashPart(hashPart: HashPart): Promise<Served>;
  /** Votes these paths in the background so Nix's next requests find them decided. */
  prefetch(paths: readonly StorePath[]): void;
}

/** Paths voted in the background at once; Nix's own requests never wait behind them. */
const PREFETCH_LANE = 32;
/** A claim listing more references than this is not followed before the vote. */
const SPECULATE_MAX_REFS = 2000;

export function createVerdicts(o: VerdictOptions): Verdicts {
  const cache = new LRUCache<string, Served>({ max: Math.max(1, o.cacheSize), ttl: Math.max(1, o.ttlMs) });
  const inflight = new Map<string, Promise<Served>>();
  const lane = pLimit(PREFETCH_LANE);
  const deadline = sharedDeadline(o);

  function get(hashPart: HashPart, path: StorePath | undefined): Promise<Served> {
    const hit = cache.get(hashPart);
    if (hit !== undefined) return Promise.resolve(hit);
    const running = inflight.get(hashPart);
    if (running !== undefined) return running;
    const task = vote(hashPart, path).then((served) => {
      const trusted = served.decided?.decision.verdict === 'trusted';
      if (o.cacheSize > 0) cache.set(hashPart, served, { ttl: trusted ? o.ttlMs : Math.min(o.ttlMs, UNTRUSTED_TTL_MS) });
      o.onDecided(served);
      return served;
    }).finally(() => inflight.delete(hashPart));
    inflight.set(hashPart, task);
    return task;
  }

  async function vote(hashPart: HashPart, path: StorePath | undefined): Promise<Served> {
    const t0 = o.ops.now();
    const signal = deadline();
    // Nix walks a closure level by level; start on the next level as soon as the first
    // verified vote names it, instead of after the vote. Only the cache is warmed by this.
    let ahead = false;
    const onVote = (claim: Claim) => {
      if (ahead || claim.references.length > SPECULATE_MAX_REFS) return;
      ahead = true;
      prefetch(claim.references.filter((r) => r !== claim.path));
    };
    const decided = path !== undefined ? await o.engine.decide(path, signal, onVote) : await o.engine.decideHashPart(hashPart, signal, onVote);
    const served = await serveable(decided, signal);
    return { ...served, decided, ms: o.ops.now() - t0 };
  }

  async function serveable(decided: Decided | undefined, signal: AbortSignal): Promise<Omit<Served, 'decided' | 'ms'>> {
    const none = { narinfo: undefined, nars: new Map<string, Source>(), wouldReject: false };
    if (decided === undefined) return none;
    const { decision, ballot } = decided;
    const claims = ballot.answers.flatMap((a) => (a.outcome === 'vote' ? [a.claim] : []));
    const winner = claims.find((c) => decision.verdict === 'trusted' && c.narHash === decision.narHash);
    const chosen = winner ?? (o.mode === 'report' ? claims[0] : undefined);
    if (chosen === undefined) return none;
    const sources = await sourcesFor(chosen, claims, signal);
    const first = sources[0];
    if (first === undefined) return none;
    const nars = new Map(sources.map((s) => [`${chosen.narHash}-${s.index}`, s]));
    return { narinfo: servedNarInfo(chosen, first, o.key), nars, wouldReject: winner === undefined };
  }

  /** Upstreams holding exactly this NarHash, in configured order. */
  async function sourcesFor(chosen: Claim, claims: readonly Claim[], signal: AbortSignal): Promise<Source[]> {
    const found = await Promise.all(o.upstreams.map(async (baseUrl, index): Promise<Source | undefined> => {
      const known = claims.find((c) => c.upstream?.url === baseUrl);
      const narinfo = known?.upstream?.narinfo ?? (await fetchNarInfo(baseUrl, hashPartOf(chosen.path), signal));
      return narinfo !== undefined && narinfo.narHash === chosen.narHash && narinfo.storePath === chosen.path
        ? { index, baseUrl, narinfo }
        : undefined;
    }));
    return found.filter((s) => s !== undefined);
  }

  async function fetchNarInfo(baseUrl: string, hashPart: HashPart, signal: AbortSignal) {
    try {
      const res = await o.ops.fetch(`${baseUrl}/${hashPart}.narinfo`, { signal });
      if (res.status !== 200) {
        await res.discard();
        return undefined;
      }
      return parseNarInfo(await res.text(MAX_NARINFO_BYTES));
    } catch {
      return undefined;
    }
  }

  /** Votes ahead of Nix through the whole closure: a trusted path's references next. */
  const queued = new Set<string>();
  function prefetch(paths: readonly StorePath[]): void {
    for (const p of paths) {
      const hp = hashPartOf(p);
      if (cache.has(hp) || inflight.has(hp) || queued.has(hp)) continue;
      queued.add(hp);
      const task = lane(() => {
        queued.delete(hp);
        return get(hp, p);
      });
      void task.then((served) => {
        const d = served.decided;
        if (d?.decision.verdict === 'trusted') prefetch(winnerReferences(d).filter((r) => r !== p));
      }, () => undefined);
    }
  }

  return { forHashPart: (hashPart) => get(hashPart, undefined), prefetch };
}

function winnerReferences({ decision, ballot }: Decided): StorePath[] {
  for (const a of ballot.answers) if (a.outcome === 'vote' && a.claim.narHash === decision.narHash) return [...a.claim.references];
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
