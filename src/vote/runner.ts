/**
 * A policy as check and serve hold it, apart from the Lua that runs it: nothing here
 * loads fengari, so the JS default policy (default-policy.ts) and the caller of a
 * policy's worker thread (host/policy-worker.ts) start without it.
 *
 * A policy file runs in the Lua sandbox (policy.ts), in the calling thread for
 * `policy test` and the tests, or on a worker thread for check and serve. What crosses
 * that thread is a Judgement, the winner and the reason; `decisionOf` builds the
 * Decision from it on the caller's side, exactly as the policy in this thread would.
 */
import type { Ballot, LogInfo } from '../claims.ts';
import type { NarHash } from '../nixfmt/index.ts';
import { consistentBallot } from './consistency.ts';
import { buildDecision } from './tally.ts';
import type { Decision } from './types.ts';

/** VM instructions per decision; library calls count about one per byte they touch. */
export const DEFAULT_BUDGET = 1_000_000;
/** How long one decision may take, in milliseconds, where a clock is given. */
export const DEFAULT_TIME_LIMIT_MS = 200;
/**
 * How long running a policy file's chunk may take, once, at load: a loaded machine can
 * make the first run of the interpreter slow, and a policy that works should not be
 * refused for it.
 */
export const CHUNK_TIME_LIMIT_MS = 5_000;

/** What a policy made of one ballot: the NarHash it trusts (none: untrusted) and why. */
export interface Judgement {
  readonly narHash?: NarHash;
  readonly reason: string;
  /** Instructions and charged units the decision spent (lua/budget.ts). */
  readonly spent: number;
}

/** Any policy that decides in the calling thread: the Lua one, or the JS default. */
export interface SyncPolicy {
  readonly logs: readonly LogInfo[];
  decide(ballot: Ballot): Decision;
  close(): void;
}

/** A policy as check and serve use it, which may run on another thread. */
export interface PolicyRunner {
  readonly logs: readonly LogInfo[];
  decide(ballot: Ballot): Decision | Promise<Decision>;
  close(): void | Promise<void>;
}

/** The Decision for a ballot, given what the policy judged of it (on whichever thread). */
export function decisionOf(ballot: Ballot, logs: readonly LogInfo[], j: Judgement): Decision {
  return buildDecision(consistentBallot(ballot), logs, j.narHash, j.reason);
}
