/** Voting on store paths: the policy sandbox, the tally into Decisions, sample ballots. */
export type { Decision, Verdict } from './types.ts';
export { DEFAULT_BUDGET, DEFAULT_POLICY_SOURCE, DEFAULT_TIME_LIMIT_MS, PolicyLoadError, decisionOf, loadPolicy } from './policy.ts';
export type { Judgement, LoadPolicyOptions, Policy, PolicyRunner, SyncPolicy } from './policy.ts';
export type { TimeLimit } from './lua/budget.ts';
export { abbreviate, buildDecision, trustedReason, untrustedReason } from './tally.ts';
export { backersOf } from './backers.ts';
export { consistentBallot } from './consistency.ts';
export { SampleError, parseSample } from './sample.ts';
