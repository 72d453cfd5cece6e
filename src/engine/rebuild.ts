/**
 * How a path this machine built compares with what the logs say about it:
 *
 *   reproduced   our NarHash is the winner's (or, when no hash won, the one most
 *                logs voted): independent builders got the same bytes as we did
 *   diverged     logs say X, this machine built Y: someone's build is not
 *                reproducible, or someone lies
 *   first-build  no log has a vote for the path: ours is the first
 *   unchecked    no log answered at all (every one a fault); the drain keeps such a
 *                build queued for a day before recording it so
 *
 *   compareRebuild(ballot, names, decision, ours) →
 *     { verdict: 'diverged', compared: sha256:1b8m…, matching: [], differing: [{log: a, …}, {log: b, …}],
 *       reason: 'a, b say sha256:1b8m…; this machine built sha256:0x3j…' }
 */
import type { Ballot, LogName } from '../claims.ts';
import type { NarHash } from '../nixfmt/index.ts';
import type { Decision } from '../vote/types.ts';

/** `unchecked`: every log failed to answer, long enough that the build is recorded anyway. */
export type RebuildVerdict = 'reproduced' | 'diverged' | 'first-build' | 'unchecked';

export interface RebuildComparison {
  readonly verdict: RebuildVerdict;
  /** What our hash was compared with; absent for a first build or when votes tie. */
  readonly compared?: NarHash;
  readonly matching: readonly LogName[];
  readonly differing: readonly { readonly log: LogName; readonly narHash: NarHash }[];
  readonly missing: readonly { readonly log: LogName; readonly kind: string; readonly reason: string }[];
  readonly faults: readonly { readonly log: LogName; readonly kind: string; readonly reason: string }[];
  readonly reason: string;
}

/** `names[i]` is the i-th configured log's name; answers at `leaveOut` are not compared with. */
export function compareRebuild(ballot: Ballot, names: readonly LogName[], decision: Decision, ours: NarHash, leaveOut: ReadonlySet<number> = new Set()): RebuildComparison {
  const votes: { log: LogName; narHash: NarHash }[] = [];
  const missing: RebuildComparison['missing'][number][] = [];
  const faults: RebuildComparison['faults'][number][] = [];
  ballot.answers.forEach((a, i) => {
    if (leaveOut.has(i)) return;
    const log = names[i] ?? `#${i}`;
    if (a.outcome === 'vote') votes.push({ log, narHash: a.claim.narHash });
    else if (a.outcome === 'miss') missing.push({ log, kind: a.kind, reason: a.reason });
    else faults.push({ log, kind: a.kind, reason: a.reason });
  });
  const matching = votes.filter((v) => v.narHash === ours).map((v) => v.log);
  const differing = votes.filter((v) => v.narHash !== ours);
  const base = { matching, differing, missing, faults };
  if (votes.length === 0) {
    const unasked = faults.map((f) => `${f.log}: ${f.kind}`).join(', ');
    if (missing.length === 0 && faults.length > 0) return { ...base, verdict: 'unchecked', reason: `no log could be asked (${unasked})` };
    return { ...base, verdict: 'first-build', reason: `no log has a vote for this path: this build is the first${unasked === '' ? '' : `; ${faults.length} could not be asked (${unasked})`}` };
  }
  const won = decision.verdict === 'trusted' ? decision.narHash : undefined;
  const compared = won ?? mostVoted(votes);
  const list = (logs: readonly LogName[]) => logs.join(', ');
  if (compared === undefined) {
    if (matching.length > 0) return { ...base, verdict: 'reproduced', reason: `matches ${list(matching)}; ${list(differing.map((d) => d.log))} voted otherwise (no hash had most votes)` };
    return { ...base, verdict: 'diverged', reason: `logs disagree among themselves and none voted ${ours}, which this machine built` };
  }
  const backers = votes.filter((v) => v.narHash === compared).map((v) => v.log);
  if (ours === compared) {
    return {
      ...base, compared, verdict: 'reproduced',
      reason: won !== undefined
        ? `matches the winner, voted by ${list(backers)}`
        : `matches what most logs voted (${list(backers)}); the vote had not trusted it: ${decision.reason}`,
    };
  }
  const also = matching.length > 0 ? `, as ${list(matching)} did` : '';
  return { ...base, compared, verdict: 'diverged', reason: `${list(backers)} say ${compared}; this machine built ${ours}${also}` };
}

/** The hash strictly most votes name; undefined on a tie. */
function mostVoted(votes: readonly { narHash: NarHash }[]): NarHash | undefined {
  const counts = new Map<NarHash, number>();
  for (const v of votes) counts.set(v.narHash, (counts.get(v.narHash) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const [first, second] = sorted;
  return first !== undefined && (second === undefined || second[1] < first[1]) ? first[0] : undefined;
}
