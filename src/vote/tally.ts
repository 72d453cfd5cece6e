/**
 * From a ballot and the hash a policy picked (or none) to a Decision, and the one-line
 * reasons that go with it. Pure.
 *
 *   logs a, b, c; a and b vote sha256:0rnl…, c misses; winner sha256:0rnl…
 *   → { verdict: 'trusted', agree: [a, b], disagree: [], missing: [c], faults: [],
 *       reason: '2 of 3 logs agree' }
 *
 * With no winner every vote is listed under `disagree`, since none was accepted.
 */
import type { NarHash } from '../nixfmt/index.ts';
import type { Answer, Ballot, Claim, LogInfo, LogName } from '../claims.ts';
import type { Decision } from './types.ts';

export function abbreviate(h: string): string {
  const colon = h.indexOf(':');
  return colon < 0 || h.length <= colon + 9 ? h : `${h.slice(0, colon + 9)}…`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function votesOf(ballot: Ballot, logs: readonly LogInfo[]): { log: LogName; claim: Claim }[] {
  const out: { log: LogName; claim: Claim }[] = [];
  ballot.answers.forEach((a, i) => {
    if (a.outcome === 'vote') out.push({ log: (logs[i] as LogInfo).name, claim: a.claim });
  });
  return out;
}

function countOutcome(ballot: Ballot, outcome: Answer['outcome']): number {
  let n = 0;
  for (const a of ballot.answers) if (a.outcome === outcome) n++;
  return n;
}

export function buildDecision(ballot: Ballot, logs: readonly LogInfo[], winner: NarHash | undefined, reason: string): Decision {
  const agree: LogName[] = [];
  const disagree: { log: LogName; narHash: NarHash }[] = [];
  const missing: Decision['missing'][number][] = [];
  const faults: Decision['faults'][number][] = [];
  for (let i = 0; i < ballot.answers.length; i++) {
    const a = ballot.answers[i] as Answer;
    const log = (logs[i] as LogInfo).name;
    if (a.outcome === 'vote') {
      if (a.claim.narHash === winner) agree.push(log);
      else disagree.push({ log, narHash: a.claim.narHash });
    } else if (a.outcome === 'miss') {
      missing.push({ log, kind: a.kind, reason: a.reason });
    } else {
      faults.push({ log, kind: a.kind, reason: a.reason });
    }
  }
  const lists = { agree: shared(agree), disagree: shared(disagree), missing: shared(missing), faults: shared(faults) };
  if (winner === undefined) return { path: ballot.path, verdict: 'untrusted', ...lists, reason };
  return { path: ballot.path, verdict: 'trusted', narHash: winner, ...lists, reason };
}

const NONE: readonly never[] = Object.freeze([]);

/** An empty list is the one shared empty list: check keeps a decision per path to the end. */
function shared<T>(xs: readonly T[]): readonly T[] {
  return xs.length === 0 ? NONE : xs;
}

/** "1 of 3 logs agrees", "2 of 3 logs agree": the verb goes with the count. */
function ofLogs(k: number, n: number, verb: 'agree' | 'vote'): string {
  return `${k} of ${plural(n, 'log', 'logs')} ${k === 1 ? `${verb}s` : verb}`;
}

/** Why a trusted path was trusted, e.g. "2 of 3 logs agree". */
export function trustedReason(ballot: Ballot, winner: NarHash): string {
  let agree = 0;
  let otherwise: string[] | undefined;
  for (const a of ballot.answers) {
    if (a.outcome !== 'vote') continue;
    if (a.claim.narHash === winner) agree++;
    else (otherwise ??= []).push(a.claim.log);
  }
  const base = ofLogs(agree, ballot.answers.length, 'agree');
  // A log outvoted on a path is worth a person's attention: it built other bytes.
  return otherwise === undefined ? base : `${base}; ${otherwise.join(', ')} voted otherwise`;
}

const MAX_NAMED = 3;

/**
 * The logs whose answers could have changed an untrusted path's verdict and why they
 * gave none: every fault, and every copy signed by other keys (a key set up wrong is
 * the usual cause), grouped by reason: "cache-b, cache-c: connection refused".
 */
function named(ballot: Ballot, logs: readonly LogInfo[]): string[] {
  const byReason = new Map<string, LogName[]>();
  ballot.answers.forEach((a, i) => {
    if (a.outcome === 'vote' || (a.outcome === 'miss' && a.kind !== 'other-key')) return;
    const list = byReason.get(a.reason) ?? [];
    list.push((logs[i] as LogInfo).name);
    byReason.set(a.reason, list);
  });
  const out = [...byReason].map(([why, names]) => `${names.join(', ')}: ${why}`);
  return out.length > MAX_NAMED ? [...out.slice(0, MAX_NAMED), '…'] : out;
}

/**
 * Why a path stayed untrusted when the policy gave no reason, e.g.
 * "only 1 of 3 logs votes sha256:0abcdefg…; 1 disagrees, 1 fault (policy wants more agreement); cache-c: connection refused".
 */
export function untrustedReason(ballot: Ballot, logs: readonly LogInfo[]): string {
  const n = ballot.answers.length;
  const votes = votesOf(ballot, logs);
  const groups = new Map<string, number>();
  for (const v of votes) groups.set(v.claim.narHash, (groups.get(v.claim.narHash) ?? 0) + 1);
  const ranked = [...groups].sort((x, y) => y[1] - x[1]);
  const others = (top: number): string[] => {
    const parts: string[] = [];
    if (votes.length > top) parts.push(plural(votes.length - top, 'disagrees', 'disagree'));
    const miss = countOutcome(ballot, 'miss');
    const fault = countOutcome(ballot, 'fault');
    if (miss > 0) parts.push(`${miss} missing`);
    if (fault > 0) parts.push(plural(fault, 'fault', 'faults'));
    return parts;
  };
  const tail = (parts: string[]): string => (parts.length > 0 ? `; ${parts.join(', ')}` : '');
  const why = named(ballot, logs).map((n) => `; ${n}`).join('');
  const [first, second] = ranked;
  if (first === undefined) return `${n === 1 ? 'the only log does not vote' : `none of ${n} logs vote`}${tail(others(0))}${why}`;
  if (second !== undefined && second[1] === first[1]) {
    const tied = ranked.filter((g) => g[1] === first[1]).map((g) => abbreviate(g[0]));
    const split = ranked.map((g) => g[1]).join(':');
    return `logs split ${split} with no leader (${tied.join(' vs ')})${tail(others(votes.length))}${why}`;
  }
  if (first[1] === n) return `${n === 1 ? 'the only log votes' : `all ${n} logs vote`} ${abbreviate(first[0])}, but the policy did not accept it`;
  return `only ${ofLogs(first[1], n, 'vote')} ${abbreviate(first[0])}${tail(others(first[1]))} (policy wants more agreement)${why}`;
}

/** One built-in's call as a decision records it (lua/builtins.ts). */
export interface RuleCall {
  readonly rule: string;
  readonly arg?: number | string;
  readonly found: string | undefined;
}

export const SELF_VERIFYING = 'self-verifying (content-addressed)';

function showRule(c: RuleCall): string {
  if (c.arg === undefined) return c.rule;
  return typeof c.arg === 'string' ? `${c.rule}(${JSON.stringify(c.arg)})` : `${c.rule} ${c.arg}`;
}

/**
 * Which built-in decided, when it matters to a person: a self-verifying path, or a rule
 * that won after others found nothing, e.g.
 *   trusted by name("cache-a") after percentage 66 found no winner
 * Undefined when the first rule called decided (its count says enough).
 */
export function decidedBy(trail: readonly RuleCall[], winner: NarHash): string | undefined {
  const k = trail.findIndex((c) => c.found === winner);
  if (k < 0) return undefined;
  const deciding = trail[k] as RuleCall;
  if (deciding.rule === 'content_addressed') return SELF_VERIFYING;
  const failed = trail.slice(0, k).filter((c) => c.found === undefined).map(showRule);
  return failed.length === 0 ? undefined : `trusted by ${showRule(deciding)} after ${failed.join(', ')} found no winner`;
}
