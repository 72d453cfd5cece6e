/**
 * What a log says about a store path, and what the machine's policy made of it.
 *
 * A Ballot holds one Answer per configured log, in configuration order. Only a
 * verified answer is a `vote`: its signature (and, for Trustix logs, its proofs)
 * checked out before it got here. Everything that went wrong is a `fault`, which
 * never counts as agreement.
 */
import type { NarHash, NarInfo, StorePath } from '../nixfmt/index.ts';

export type LogName = string;

/** Where a claim's NAR can be fetched: a binary cache holding exactly this NarHash. */
export interface Upstream {
  readonly url: string;
  readonly narinfo: NarInfo;
}

/** One builder's verified statement: "when I built `path` I got these bytes". */
export interface Claim {
  readonly log: LogName;
  readonly path: StorePath;
  readonly narHash: NarHash;
  readonly narSize: number;
  readonly references: readonly StorePath[];
  readonly deriver?: StorePath;
  readonly ca?: string;
  readonly upstream?: Upstream;
}

export type Answer =
  | { readonly outcome: 'vote'; readonly claim: Claim }
  | { readonly outcome: 'miss'; readonly reason: string }
  | { readonly outcome: 'fault'; readonly reason: string };

export interface LogInfo {
  readonly name: LogName;
  readonly weight: number;
}

export interface Ballot {
  readonly path: StorePath;
  /** answers[i] is the answer of logs[i] of the policy's configured logs. */
  readonly answers: readonly Answer[];
}

export type Verdict = 'trusted' | 'untrusted';

export interface Decision {
  readonly path: StorePath;
  readonly verdict: Verdict;
  /** The NarHash that won; absent when untrusted. */
  readonly narHash?: NarHash;
  readonly agree: readonly LogName[];
  readonly disagree: readonly { readonly log: LogName; readonly narHash: NarHash }[];
  readonly missing: readonly LogName[];
  readonly faults: readonly { readonly log: LogName; readonly reason: string }[];
  /** One line a person can act on; for a trusted path, why it was trusted. */
  readonly reason: string;
}
