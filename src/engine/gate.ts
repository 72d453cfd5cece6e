/**
 * What the engine consults between a log's answer and the ballot a policy sees: a
 * gate may put a fault in place of an answer, never a vote. The journal is one
 * (src/journal/gate.ts): a log whose key signed two different fingerprints for one
 * path answers `equivocation` from then on, and a claim first seen after its log's
 * `trusted-until` answers `key-expired`. What a gate knows can only take votes
 * away; it can never make a vote pass.
 *
 *   raw vote of cache-a ── observer.answered (journaled as it came) ── gate ──▶ ballot
 *                                                                       └─ fault('equivocation', …)
 */
import type { Answer, Fault, LogName, Question } from '../claims.ts';

export interface AnswerGate {
  /** The fault to count instead of `answer`, or undefined to let the answer stand. */
  override(log: LogName, q: Question, answer: Answer): Fault | undefined;
}

/** The answer a policy sees: the gate's fault when it gives one, otherwise the log's own. */
export function gated(gate: AnswerGate | undefined, log: LogName, q: Question, answer: Answer): Answer {
  if (gate === undefined) return answer;
  const f = gate.override(log, q, answer);
  // Only a fault may replace an answer: nothing a gate says can add agreement.
  return f !== undefined && f.outcome === 'fault' ? f : answer;
}
