/**
 * The default policy, `trustix.content_addressed(path, votes) or trustix.majority(votes, logs)`
 * (DEFAULT_POLICY_SOURCE in policy.ts), decided in JS with the same arithmetic the
 * built-ins use: the same Decisions, reasons included (test/vote/default-policy.test.ts
 * runs both on every kind of ballot), without loading fengari and a Lua state, which
 * is half of a small `check`'s start-up. A policy file always runs in the sandbox.
 *
 *   a, b vote H; c misses   → trusted H, "2 of 3 logs agree"
 *   a votes H (CA proves it) → trusted H, "self-verifying (content-addressed)"
 */
import type { Ballot, Claim, LogInfo } from '../claims.ts';
import { caProvesFacts, type NarHash } from '../nixfmt/index.ts';
import { consistentBallot } from './consistency.ts';
import { leader, majorityOf } from './lua/count.ts';
import type { SyncPolicy } from './runner.ts';
import { buildDecision, SELF_VERIFYING, trustedReason, untrustedReason } from './tally.ts';
import type { Decision } from './types.ts';

const MAX_REASON = 300;

export function defaultPolicy(configured: readonly LogInfo[]): SyncPolicy {
  const logs = configured.map((l) => ({ name: l.name, weight: l.weight }));
  let closed = false;
  return {
    logs,
    decide(given: Ballot): Decision {
      if (closed) throw new Error('policy is closed');
      const ballot = consistentBallot(given);
      if (ballot.answers.length !== logs.length) {
        throw new TypeError(`ballot for ${ballot.path} has ${ballot.answers.length} answers for ${logs.length} logs`);
      }
      const votes: Claim[] = [];
      for (const a of ballot.answers) if (a.outcome === 'vote') votes.push(a.claim);
      const proven = selfVerifying(ballot, votes);
      if (proven !== undefined) return buildDecision(ballot, logs, proven, SELF_VERIFYING);
      const winner = leader(votes.map((c) => c.narHash), votes.map(() => 1), majorityOf(logs.length)) as NarHash | undefined;
      if (winner !== undefined) return buildDecision(ballot, logs, winner, trustedReason(ballot, winner));
      return buildDecision(ballot, logs, undefined, oneLine(untrustedReason(ballot, logs)));
    },
    close() {
      closed = true;
    },
  };
}

/** trustix.content_addressed: the one hash whose votes' CA recomputes to the path. */
function selfVerifying(ballot: Ballot, votes: readonly Claim[]): NarHash | undefined {
  const proven = new Set<NarHash>();
  for (const c of votes) if (c.ca !== undefined && c.path === ballot.path && caProvesFacts(c) === true) proven.add(c.narHash);
  return proven.size === 1 ? [...proven][0] : undefined;
}

/** As policy.ts shows a reason: one line, at most MAX_REASON characters. */
function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_REASON ? `${flat.slice(0, MAX_REASON)}…` : flat;
}
