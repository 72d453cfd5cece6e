/**
 * What logs say and how it was proven: the neutral vocabulary that log kinds
 * (src/logs/) produce and the vote (src/vote/) counts, so neither depends on the other.
 *
 * A log answers each store path with one Answer:
 *   vote  — a Claim: the path's facts, verified, with how they were proven
 *   miss  — the log has no claim of its own about the path
 *   fault — something went wrong; never counts as agreement. Its `kind` is machine
 *           readable (a journal and policies tell `timeout` from `equivocation`),
 *           its `reason` one line a person can act on.
 *
 *   { outcome: 'fault', kind: 'bad-signature', reason: 'bad signature by cache-b-1' }
 */
import type { HashPart, PathFacts, StorePath } from './nixfmt/index.ts';

export type LogName = string;

export interface LogInfo {
  readonly name: LogName;
  readonly weight: number;
}

/**
 * How a claim was proven, kept so a journal can store it and show it to someone else.
 * A binary cache proves a claim with a `Sig:` over Nix's fingerprint; a content-addressed
 * path proves itself: its CA and references recompute to its name, whoever serves it.
 * A Trustix log proves it with a signed head, the map's proof that the head's map root
 * holds `mapEntry` for the path, and the value whose SHA-256 that entry names: with
 * the log's key anyone can check all of it again, with no help from the log.
 */
export type Provenance =
  | { readonly kind: 'narinfo-signature'; readonly keyName: string; readonly fingerprint: string; readonly sig: string }
  | { readonly kind: 'content-address'; readonly ca: string }
  | { readonly kind: 'trustix'; readonly logId: string; readonly proof: TrustixProof }
  /** This machine's own build of the path, as the journal recorded it (kind = local). */
  | { readonly kind: 'local-build'; readonly builtAt: number }
  | { readonly kind: 'sample' };

/** A Trustix claim's evidence as the log served it (texts, so it can be stored as it is). */
export interface TrustixProof {
  /** The signed head, as protojson (trustix_schema.v1.LogHead). */
  readonly head: string;
  /** The map key: the full store path. */
  readonly key: string;
  /** The map's value for the key, byte for byte: {"Digest":"…","Index":n}. */
  readonly mapEntry: string;
  /** The map proof against the head's MapRoot, as protojson (SparseCompactMerkleProof). */
  readonly mapProof: string;
  /** The value the entry's Digest is the SHA-256 of (the narinfo-ish JSON), byte for byte. */
  readonly value: string;
}

/** Where a claim's NAR can be fetched: a binary cache whose narinfo holds exactly this NarHash. */
export interface Upstream {
  readonly url: string;
  /** The NAR's location as that narinfo gives it, and its file facts. */
  readonly narUrl: string;
  readonly compression: string;
  readonly fileHash?: string;
  readonly fileSize?: number;
}

/** One builder's verified statement: "when I built `path` I got these bytes". */
export interface Claim extends PathFacts {
  readonly log: LogName;
  readonly proof: Provenance;
  readonly upstream?: Upstream;
}

export type MissKind =
  /** The log has nothing for the path (404). */
  | 'not-found'
  /** The log serves a copy of someone else's build: signed only by other keys. */
  | 'other-key'
  /** The log looks paths up by full name, and no log named the path. */
  | 'unknown-path';

export type FaultKind =
  | 'timeout'
  | 'deadline'
  | 'unreachable'
  | 'connection'
  | 'log-down'
  | 'http-status'
  | 'too-large'
  | 'malformed'
  | 'wrong-path'
  | 'name-conflict'
  /** Same NarHash as more backers, different NarSize or References: vote/consistency.ts. */
  | 'inconsistent-claim'
  | 'bad-signature'
  /** A CA line that does not recompute to the path: a lie, not a miss. */
  | 'bad-content-address'
  /** The log's key signed two different fingerprints for one path: evidence in the journal. */
  | 'equivocation'
  /** A claim first seen after the log's `trusted-until`: its key is no longer trusted for new claims. */
  | 'key-expired'
  | 'rollback'
  | 'inconsistent-head'
  | 'bad-head-signature'
  | 'bad-inclusion-proof'
  | 'bad-consistency-proof'
  | 'value-digest-mismatch'
  | 'internal';

export type Answer =
  | { readonly outcome: 'vote'; readonly claim: Claim }
  | { readonly outcome: 'miss'; readonly kind: MissKind; readonly reason: string }
  | { readonly outcome: 'fault'; readonly kind: FaultKind; readonly reason: string };

export type Miss = Extract<Answer, { outcome: 'miss' }>;
export type Fault = Extract<Answer, { outcome: 'fault' }>;

export const miss = (kind: MissKind, reason: string): Miss => ({ outcome: 'miss', kind, reason });
export const fault = (kind: FaultKind, reason: string): Fault => ({ outcome: 'fault', kind, reason });

/** The misbehaviour kinds: evidence that a builder lied, not mere trouble reaching it. */
export const MISBEHAVIOUR: ReadonlySet<FaultKind> = new Set([
  'bad-signature', 'bad-content-address', 'equivocation', 'rollback', 'inconsistent-head', 'bad-head-signature',
  'bad-inclusion-proof', 'bad-consistency-proof', 'value-digest-mismatch',
]);

/** What to ask a log: the hash part always, the full path when it is known. */
export interface Question {
  readonly hashPart: HashPart;
  readonly path?: StorePath;
}

/** Every configured log's answer about one path, collected once; policies decide over it. */
export interface Ballot {
  readonly path: StorePath;
  /** answers[i] is the answer of the i-th configured log. */
  readonly answers: readonly Answer[];
}
