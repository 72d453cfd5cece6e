/**
 * What may be offered to Nix for a decided path: the narinfo text and the NARs
 * (NarHash × upstream) the nar/ route may stream, kept small: a daemon caches
 * thousands of these. Only the voted facts are served:
 * NarHash, NarSize and References from the vote; `Deriver` only when every backer
 * names the same one; `CA` only when it recomputes to the path (then it proves itself,
 * and Nix re-hashes the content on import), never otherwise: no signature covers it and
 * a wrong one makes Nix abort instead of building.
 */
import type { Ballot, Claim, Upstream } from '../claims.ts';
import { caProvesFacts, hashPartOf, MAX_NARINFO_BYTES, parseNarInfo, resolveNarUrl, type FingerprintSigner, type HashPart, type PathFacts, type SecretKey } from '../nixfmt/index.ts';
import type { Ops } from '../ops.ts';
import { backersOf } from '../vote/backers.ts';
import type { Decision } from '../vote/types.ts';
import { servedNarInfo, type Source } from './narinfo.ts';

export interface Offer {
  /** The narinfo to answer with; undefined means 404. */
  readonly narinfo: string | undefined;
  /** The voted NarHash the nar/ route may stream, and from which upstreams (configured order). */
  readonly narHash?: string;
  readonly nars: readonly NarSource[];
  /** In report mode: served although the policy would have rejected it. */
  readonly wouldReject: boolean;
}

/** Where one NAR comes from: an upstream, and the URL its narinfo gave, resolved against it. */
export interface NarSource {
  /** The upstream's index in the configured list: part of the NAR's URL on this server. */
  readonly index: number;
  readonly baseUrl: string;
  readonly url: string;
  readonly compression: string;
  readonly fileHash?: string;
  readonly fileSize?: number;
}

export interface OfferOptions {
  readonly ops: Ops;
  readonly key: SecretKey;
  /** How the key signs (libsodium when it loads); node:crypto by default. */
  readonly sign?: FingerprintSigner;
  readonly upstreams: readonly string[];
  readonly mode: 'enforce' | 'report';
  readonly timeoutMs: number;
  /** 'upstream': the narinfo's URL is the upstream's own NAR URL ([serve] nar-urls). */
  readonly narUrls?: 'serve' | 'upstream';
}

export const NOTHING: Offer = { narinfo: undefined, nars: [], wouldReject: false };

export async function makeOffer(o: OfferOptions, ballot: Ballot, decision: Decision, signal: AbortSignal): Promise<Offer> {
  const claims = ballot.answers.flatMap((a) => (a.outcome === 'vote' ? [a.claim] : []));
  // The winner's consistent backers only: a claim of the winning NarHash with another size or references is a fault.
  const backers = backersOf(ballot, decision);
  const chosen = backers[0] ?? (o.mode === 'report' ? claims[0] : undefined);
  if (chosen === undefined) return NOTHING;
  const sources = await sourcesFor(o, chosen, claims, signal);
  const first = sources.find((s) => narUrlOf(s) !== undefined);
  if (first === undefined) return NOTHING;
  // Upstreams holding one NAR mostly name the same file: one copy of its hash and compression.
  const copies = new Map<string, string>();
  const once = (text: string) => copies.get(text) ?? copies.set(text, flat(text)).get(text)!;
  const nars = sources.flatMap((s): NarSource[] => {
    const url = narUrlOf(s);
    if (url === undefined) return [];
    const { compression, fileHash, fileSize } = s.upstream;
    return [{ index: s.index, baseUrl: s.baseUrl, url, compression: once(compression), ...(fileHash !== undefined && { fileHash: once(fileHash) }), ...(fileSize !== undefined && { fileSize }) }];
  });
  if (nars.length === 0) return NOTHING;
  const direct = o.narUrls === 'upstream' ? narUrlOf(first) : undefined;
  return { narinfo: servedNarInfo(votedFacts(chosen, backers), first, o.key, o.sign, direct), narHash: chosen.narHash, nars, wouldReject: backers.length === 0 };
}

function votedFacts(chosen: Claim, backers: readonly Claim[]): PathFacts {
  const facts: PathFacts = { path: chosen.path, narHash: chosen.narHash, narSize: chosen.narSize, references: chosen.references };
  const { deriver, ca } = chosen;
  const agreed = deriver !== undefined && backers.every((b) => b.deriver === deriver);
  const withDeriver = agreed ? { ...facts, deriver } : facts;
  return ca !== undefined && caProvesFacts(chosen) === true ? { ...withDeriver, ca } : withDeriver;
}

/**
 * Relative (usual) or absolute http(s); anything Nix versions would resolve differently is
 * no source. Copied flat: the narinfo's URL is a slice of the whole upstream narinfo, which
 * a cached offer would otherwise keep alive (2 KB a path).
 */
function narUrlOf(s: Source): string | undefined {
  try {
    return flat(resolveNarUrl(s.baseUrl, s.upstream.narUrl));
  } catch {
    return undefined;
  }
}

function flat(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Upstreams holding exactly this NarHash for this path, in configured order. */
async function sourcesFor(o: OfferOptions, chosen: Claim, claims: readonly Claim[], signal: AbortSignal): Promise<Source[]> {
  const found = await Promise.all(o.upstreams.map(async (baseUrl, index): Promise<Source | undefined> => {
    const known = claims.find((c) => c.upstream?.url === baseUrl);
    if (known?.upstream !== undefined) {
      return known.narHash === chosen.narHash && known.path === chosen.path ? { index, baseUrl, upstream: known.upstream } : undefined;
    }
    return fetchUpstream(o, baseUrl, hashPartOf(chosen.path), chosen, signal).then((upstream) => upstream && { index, baseUrl, upstream });
  }));
  return found.filter((s) => s !== undefined);
}

/** An upstream that is not a log: its narinfo needs no signature, only the voted NarHash. */
async function fetchUpstream(o: OfferOptions, baseUrl: string, hashPart: HashPart, chosen: Claim, signal: AbortSignal): Promise<Upstream | undefined> {
  try {
    const res = await o.ops.fetchText(`${baseUrl}/${hashPart}.narinfo`, { signal, timeoutMs: o.timeoutMs, maxBytes: MAX_NARINFO_BYTES });
    if (res.status !== 200) return undefined;
    const info = parseNarInfo(res.text);
    if (info.narHash !== chosen.narHash || info.path !== chosen.path) return undefined;
    return {
      url: baseUrl, narUrl: info.url, compression: info.compression,
      ...(info.fileHash !== undefined && { fileHash: info.fileHash }),
      ...(info.fileSize !== undefined && { fileSize: info.fileSize }),
    };
  } catch {
    return undefined;
  }
}
