/** What the journal writes, row by row, and how a decision becomes rows. */
import type { Claim, LogName } from '../claims.ts';
import type { Decision } from '../vote/types.ts';

export type Source = 'check' | 'serve' | 'drain';

export interface DecisionRow {
  readonly at: number;
  readonly source: Source;
  readonly policy: string;
  readonly decision: Decision;
  /** serve: whether Nix was given a narinfo. */
  served?: boolean;
}

/** One log's part in a decision. `vote` is a vote when no hash won (nothing to agree or dissent with). */
export type Role = 'agree' | 'dissent' | 'vote' | 'miss' | 'fault';

export interface LogPart {
  readonly log: LogName;
  readonly role: Role;
  readonly kind?: string;
  readonly narHash?: string;
  readonly reason?: string;
}

export function partsOf(d: Decision): LogPart[] {
  const won = d.narHash !== undefined;
  return [
    ...d.agree.map((log): LogPart => ({ log, role: 'agree', ...(d.narHash !== undefined && { narHash: d.narHash }) })),
    ...d.disagree.map((x): LogPart => ({ log: x.log, role: won ? 'dissent' : 'vote', narHash: x.narHash })),
    ...d.missing.map((x): LogPart => ({ log: x.log, role: 'miss', kind: x.kind, reason: x.reason })),
    ...d.faults.map((x): LogPart => ({ log: x.log, role: 'fault', kind: x.kind, reason: x.reason })),
  ];
}

/** A verified, signed claim as the journal keeps it. */
export interface ClaimRow {
  /** The signing key's bytes in base64: what makes two logs one builder. */
  readonly key: string;
  /** The name the key signs under (`cache-a-1`). */
  readonly keyName: string;
  readonly path: string;
  readonly fingerprint: string;
  readonly narHash: string;
  readonly sig: string;
  readonly log: LogName;
  readonly seen: number;
}

export function claimRow(claim: Claim, keyOfLog: (log: LogName) => string | undefined, seen: number): ClaimRow | undefined {
  const p = claim.proof;
  if (p.kind !== 'narinfo-signature') return undefined;
  const key = keyOfLog(claim.log);
  if (key === undefined) return undefined;
  return { key, keyName: p.keyName, path: claim.path, fingerprint: p.fingerprint, narHash: claim.narHash, sig: p.sig, log: claim.log, seen };
}

/** How a local build compared with the logs: what `post-build-hook --drain` records. */
export type BuildVerdict = 'reproduced' | 'diverged' | 'first-build' | 'unchecked';

export interface BuildRow {
  /** The queue file it came from: with `path`, what makes recording it twice a no-op. */
  readonly spool: string;
  readonly path: string;
  readonly drv?: string;
  /** When the hook queued it (the queue file's time). */
  readonly queued: number;
  readonly checked: number;
  readonly narHash: string;
  readonly narSize: number;
  readonly references: readonly string[];
  readonly verdict: BuildVerdict;
  /** The hash the build was compared with: the winner, else the hash most logs voted. */
  readonly compared?: string;
  readonly decisionVerdict: string;
  readonly decisionReason: string;
  readonly policy: string;
  readonly matching: readonly LogName[];
  readonly differing: readonly { readonly log: LogName; readonly narHash: string }[];
  readonly missing: readonly { readonly log: LogName; readonly kind: string; readonly reason: string }[];
  readonly faults: readonly { readonly log: LogName; readonly kind: string; readonly reason: string }[];
  readonly reason: string;
}

/** Two signatures by one key over different fingerprints of one path; `a` has the smaller fingerprint. */
export interface Evidence {
  /** base64 of the key's bytes, and the name it signed under: `keyName:key` is the public key. */
  readonly key: string;
  readonly keyName: string;
  readonly path: string;
  readonly a: { readonly fingerprint: string; readonly sig: string; readonly log: LogName; readonly seen: number };
  readonly b: { readonly fingerprint: string; readonly sig: string; readonly log: LogName; readonly seen: number };
  readonly found: number;
}
