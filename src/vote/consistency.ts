/**
 * A NarHash fixes the NAR's bytes, so it fixes their size and the references found in
 * them: two claims with one NarHash and different NarSize or References cannot both be
 * true. Before the policy counts, the claims with the most backers for each NarHash
 * stand; the others become faults, so one inconsistent log is outvoted like any other
 * dissenter instead of vetoing the path. When the versions tie, none stands.
 *
 *   a: (H, 100, [glibc])  b: (H, 100, [glibc])  c: (H, 101, [glibc])
 *   → c: fault inconsistent-claim "claims NarSize 101 for sha256:0abc…, where a, b claim 100"
 */
import { fault, type Answer, type Ballot, type Claim } from '../claims.ts';

export function consistentBallot(ballot: Ballot): Ballot {
  if (!hasConflict(ballot.answers)) return ballot;
  const versions = new Map<string, Map<string, Claim[]>>();
  for (const a of ballot.answers) {
    if (a.outcome !== 'vote') continue;
    const byFacts = versions.get(a.claim.narHash) ?? new Map<string, Claim[]>();
    versions.set(a.claim.narHash, byFacts);
    const key = factsKey(a.claim);
    byFacts.set(key, [...(byFacts.get(key) ?? []), a.claim]);
  }
  return { path: ballot.path, answers: ballot.answers.map((a) => (a.outcome === 'vote' ? judge(a, versions.get(a.claim.narHash)) : a)) };
}

function judge(a: Answer & { outcome: 'vote' }, byFacts: Map<string, Claim[]> | undefined): Answer {
  if (byFacts === undefined || byFacts.size === 1) return a;
  const ranked = [...byFacts.values()].sort((x, y) => y.length - x.length);
  const [top, next] = ranked as [Claim[], Claim[]];
  const hash = short(a.claim.narHash);
  if (top.length === next.length) {
    const all = ranked.flat().map((c) => c.log).join(', ');
    return fault('inconsistent-claim', `logs ${all} claim ${hash} with different NAR sizes or references, none more often: none is believed`);
  }
  const mine = byFacts.get(factsKey(a.claim)) ?? [];
  if (mine === top) return a;
  const them = top.map((c) => c.log).join(', ');
  const first = top[0] as Claim;
  const what = first.narSize !== a.claim.narSize
    ? `NarSize ${a.claim.narSize} for ${hash}, where ${them} claim ${first.narSize}`
    : `other references for ${hash} than ${them}`;
  return fault('inconsistent-claim', `claims ${what}`);
}

function hasConflict(answers: readonly Answer[]): boolean {
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i] as Answer;
    if (a.outcome !== 'vote') continue;
    for (let j = i + 1; j < answers.length; j++) {
      const b = answers[j] as Answer;
      if (b.outcome === 'vote' && b.claim.narHash === a.claim.narHash && !sameFacts(a.claim, b.claim)) return true;
    }
  }
  return false;
}

/** Runs for every pair of agreeing votes of every decision: the usual case allocates nothing. */
function sameFacts(a: Claim, b: Claim): boolean {
  if (a.narSize !== b.narSize) return false;
  const x = a.references;
  const y = b.references;
  if (x === y) return true;
  if (x.length === y.length && x.every((r, i) => r === y[i])) return true;
  return factsKey(a) === factsKey(b);
}

function factsKey(c: Claim): string {
  return `${c.narSize};${[...new Set(c.references)].sort().join(',')}`;
}

function short(h: string): string {
  return h.length > 15 ? `${h.slice(0, 15)}…` : h;
}
