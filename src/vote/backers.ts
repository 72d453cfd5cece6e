/**
 * The claims behind a trusted decision: the votes for the winning NarHash from the logs
 * the decision counts as agreeing. A claim of that NarHash with another NarSize or other
 * References is an `inconsistent-claim` fault (consistency.ts), not a backer: its facts
 * are never served, and its References are never walked.
 */
import type { Ballot, Claim } from '../claims.ts';
import type { Decision } from './types.ts';

export function backersOf(ballot: Ballot, decision: Decision): Claim[] {
  if (decision.verdict !== 'trusted') return [];
  const out: Claim[] = [];
  for (const a of ballot.answers) {
    if (a.outcome === 'vote' && a.claim.narHash === decision.narHash && decision.agree.includes(a.claim.log)) out.push(a.claim);
  }
  return out;
}
