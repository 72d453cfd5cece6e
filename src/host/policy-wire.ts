/**
 * What crosses to the policy's worker thread (policy-thread.ts) and back, and ballots
 * packed for it: one flat array per batch.
 *
 * Structured clone pays per object and per property name, and a ballot of five votes
 * is some forty objects; a flat list of strings and numbers costs a sixth of that to
 * pack, send and unpack. Only what the policy sees is sent: no provenance (the policy
 * never reads it) and no upstream. What agreeing votes repeat is sent once:
 *
 *   ballot  path, number of answers, then each answer:
 *   vote    0, narHash (0: the previous vote's), narSize, deriver|0, ca|0,
 *           references: -1 (the previous vote's) or n then n paths,
 *           claim path (0 when it is the ballot's), claim log (0 when it is the log's own name)
 *   miss    1, kind, reason
 *   fault   2, kind, reason
 *
 * (0 rather than '' for "none" and "the same": a small integer costs the serializer less.)
 */
import type { Answer, Ballot, Claim, FaultKind, LogInfo, MissKind } from '../claims.ts';
import type { NarHash, StorePath } from '../nixfmt/index.ts';

export type Packed = (string | number)[];

export interface ThreadData {
  readonly source: string;
  readonly chunkName: string;
  readonly logs: readonly LogInfo[];
  readonly budget: number;
  readonly timeLimitMs: number;
  /** For running the chunk: the caller checked it in its own thread already. */
  readonly loadTimeLimitMs: number;
  readonly memoryLimitBytes: number;
  /** Int32Array[2]: decisions started, and 1 while one runs. */
  readonly progress: SharedArrayBuffer;
}

/** A batch of ballots, packed by packBallots. */
export type ToThread = { readonly id: number; readonly ballots: Packed };
/** The worker's answers: once loaded (or not), then per batch, in the order sent. */
export type FromThread =
  | { readonly kind: 'ready' }
  | { readonly kind: 'load-error'; readonly message: string }
  | { readonly kind: 'judged'; readonly id: number; readonly hashes: readonly (string | null)[]; readonly reasons: readonly string[] };

/** Indexes into `progress`, which the worker writes as it decides and the caller reads to blame a stuck decision. */
export const STARTED = 0;
export const BUSY = 1;

export function packBallots(ballots: readonly Ballot[], logs: readonly LogInfo[]): Packed {
  const out: Packed = [];
  for (const b of ballots) {
    out.push(b.path, b.answers.length);
    let prev: Claim | undefined;
    for (let i = 0; i < b.answers.length; i++) {
      const a = b.answers[i] as Answer;
      if (a.outcome !== 'vote') {
        out.push(a.outcome === 'miss' ? 1 : 2, a.kind, a.reason);
        continue;
      }
      const c = a.claim;
      out.push(0, prev !== undefined && prev.narHash === c.narHash ? 0 : c.narHash, c.narSize, c.deriver ?? 0, c.ca ?? 0);
      if (prev !== undefined && sameList(prev.references, c.references)) out.push(-1);
      else {
        out.push(c.references.length);
        for (const r of c.references) out.push(r);
      }
      out.push(c.path === b.path ? 0 : c.path, c.log === logs[i]?.name ? 0 : c.log);
      prev = c;
    }
  }
  return out;
}

/** The policy never reads how a claim was proven; the worker has no proof to give. */
const NO_PROOF: Claim['proof'] = { kind: 'sample' };

export function unpackBallots(p: Packed, logs: readonly LogInfo[]): Ballot[] {
  const ballots: Ballot[] = [];
  let k = 0;
  const str = (): string => p[k++] as string;
  const num = (): number => p[k++] as number;
  while (k < p.length) {
    const path = str() as StorePath;
    const n = num();
    const answers: Answer[] = [];
    let prev: Claim | undefined;
    for (let i = 0; i < n; i++) {
      const tag = num();
      if (tag !== 0) {
        const kind = str();
        const reason = str();
        answers.push(tag === 1 ? { outcome: 'miss', kind: kind as MissKind, reason } : { outcome: 'fault', kind: kind as FaultKind, reason });
        continue;
      }
      const hash = p[k++];
      const narHash = (hash === 0 ? prev?.narHash : hash) as NarHash;
      const narSize = num();
      const deriver = p[k++];
      const ca = p[k++];
      const count = num();
      const references = count < 0 ? (prev?.references ?? []) : (p.slice(k, (k += count)) as StorePath[]);
      const claimPath = p[k++];
      const log = p[k++];
      const claim: Claim = {
        log: typeof log === 'string' ? log : (logs[i]?.name ?? ''), proof: NO_PROOF,
        path: typeof claimPath === 'string' ? claimPath as StorePath : path, narHash, narSize, references,
        ...(typeof deriver === 'string' && { deriver: deriver as StorePath }), ...(typeof ca === 'string' && { ca }),
      };
      answers.push({ outcome: 'vote', claim });
      prev = claim;
    }
    ballots.push({ path, answers });
  }
  return ballots;
}

function sameList(x: readonly string[], y: readonly string[]): boolean {
  if (x === y) return true;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
