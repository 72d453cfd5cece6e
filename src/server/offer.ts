/**
 * What may be served for a decided path: the narinfo text and the NARs
 * (NarHash × upstream) the nar/ route may stream, kept small: a daemon caches
 * thousands of these. Only the voted facts are served:
 * NarHash, NarSize and References from the vote; `Deriver` only when every backer
 * names the same one; `CA` never, since no signature covers it and a wrong one makes
 * Nix abort instead of building.
 */
import { hashPartOf, MAX_NARINFO_BYTES, parseNarInfo, type FingerprintSigner, type HashPart, type NarInfo, type SecretKey } from '../nixfmt/index.ts';
import type { Decided } from '../engine/engine.ts';
import type { Ops } from '../ops.ts';
import type { Claim } from '../vote/types.ts';
import { servedNarInfo, type Source } from './narinfo.ts';

export interface Serveable {
  /** The narinfo to answer with; undefined means 404. */
  readonly narinfo: string | undefined;
  /** The NARs the nar/ route may stream, keyed by `${narHash}-${upstreamIndex}`. */
  readonly nars: ReadonlyMap<string, NarSource>;
  /** In report mode: served although the policy would have rejected it. */
  readonly wouldReject: boolean;
}

/** Where one NAR comes from: an upstream and the URL its narinfo gave, relative to it. */
export interface NarSource {
  readonly baseUrl: string;
  readonly url: string;
}

export interface ServeableOptions {
  readonly ops: Ops;
  readonly key: SecretKey;
  /** How the key signs (libsodium when it loads); node:crypto by default. */
  readonly sign?: FingerprintSigner;
  readonly upstreams: readonly string[];
  readonly mode: 'enforce' | 'report';
  readonly timeoutMs: number;
}

const NOTHING: Serveable = { narinfo: undefined, nars: new Map(), wouldReject: false };

export async function serveable(o: ServeableOptions, decided: Decided | undefined, signal: AbortSignal): Promise<Serveable> {
  if (decided === undefined) return NOTHING;
  const { decision, ballot } = decided;
  const claims = ballot.answers.flatMap((a) => (a.outcome === 'vote' ? [a.claim] : []));
  const backers = decision.verdict === 'trusted' ? claims.filter((c) => c.narHash === decision.narHash) : [];
  const chosen = backers[0] ?? (o.mode === 'report' ? claims[0] : undefined);
  if (chosen === undefined) return NOTHING;
  const sources = await sourcesFor(o, chosen, claims, signal);
  const first = sources[0];
  if (first === undefined) return NOTHING;
  const nars = new Map(sources.map((s) => [`${chosen.narHash}-${s.index}`, { baseUrl: s.baseUrl, url: s.narinfo.url }]));
  return { narinfo: servedNarInfo(votedFacts(chosen, backers), first, o.key, o.sign), nars, wouldReject: backers.length === 0 };
}

function votedFacts(chosen: Claim, backers: readonly Claim[]): Claim {
  const facts: Claim = { log: chosen.log, path: chosen.path, narHash: chosen.narHash, narSize: chosen.narSize, references: chosen.references };
  const { deriver } = chosen;
  const agreed = deriver !== undefined && backers.every((b) => b.deriver === deriver);
  return agreed ? { ...facts, deriver } : facts;
}

/** Upstreams holding exactly this NarHash for this path, in configured order. */
async function sourcesFor(o: ServeableOptions, chosen: Claim, claims: readonly Claim[], signal: AbortSignal): Promise<Source[]> {
  const found = await Promise.all(o.upstreams.map(async (baseUrl, index): Promise<Source | undefined> => {
    const known = claims.find((c) => c.upstream?.url === baseUrl);
    const narinfo = known?.upstream?.narinfo ?? (await fetchNarInfo(o, baseUrl, hashPartOf(chosen.path), signal));
    return narinfo !== undefined && narinfo.narHash === chosen.narHash && narinfo.storePath === chosen.path
      ? { index, baseUrl, narinfo }
      : undefined;
  }));
  return found.filter((s) => s !== undefined);
}

/** An upstream that is not a log: its narinfo needs no signature, only the voted NarHash. */
async function fetchNarInfo(o: ServeableOptions, baseUrl: string, hashPart: HashPart, signal: AbortSignal): Promise<NarInfo | undefined> {
  try {
    const res = await o.ops.fetchText(`${baseUrl}/${hashPart}.narinfo`, { signal, timeoutMs: o.timeoutMs, maxBytes: MAX_NARINFO_BYTES });
    return res.status === 200 ? parseNarInfo(res.text) : undefined;
  } catch {
    return undefined;
  }
}
