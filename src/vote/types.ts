/**
 * What the machine's policy made of a ballot. The ballot and its answers are in
 * ../claims.ts; a Decision is what one policy decided over one ballot.
 */
import type { FaultKind, LogName, MissKind } from '../claims.ts';
import type { NarHash, StorePath } from '../nixfmt/index.ts';

export type Verdict = 'trusted' | 'untrusted';

export interface Decision {
  readonly path: StorePath;
  readonly verdict: Verdict;
  /** The NarHash that won; absent when untrusted. */
  readonly narHash?: NarHash;
  readonly agree: readonly LogName[];
  readonly disagree: readonly { readonly log: LogName; readonly narHash: NarHash }[];
  readonly missing: readonly { readonly log: LogName; readonly kind: MissKind; readonly reason: string }[];
  readonly faults: readonly { readonly log: LogName; readonly kind: FaultKind; readonly reason: string }[];
  /** One line a person can act on; for a trusted path, why it was trusted. */
  readonly reason: string;
}
