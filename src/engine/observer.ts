/**
 * One observer of everything `check` and `serve` learn: every log's answer as it
 * arrives and every decision a policy makes. serve's decision log lines are one
 * observer; the journal will be another. An observer only records: nothing it does
 * changes an answer or a decision, and it must not throw (tee() guards each one).
 */
import type { Answer, Ballot, LogName, Question } from '../claims.ts';
import type { Decision } from '../vote/types.ts';

export interface Observer {
  answered?(log: LogName, q: Question, answer: Answer): void;
  /** `policy` is the policy's name: '' for the default one. */
  decided?(decision: Decision, ballot: Ballot, policy: string): void;
}

/** Several observers as one; one that throws is reported through `onError` and skipped. */
export function tee(observers: readonly Observer[], onError: (e: unknown) => void): Observer {
  const answered = observers.filter((o) => o.answered !== undefined);
  const decided = observers.filter((o) => o.decided !== undefined);
  const guard = (f: () => void) => {
    try {
      f();
    } catch (e) {
      onError(e);
    }
  };
  return {
    ...(answered.length > 0 && { answered: (log, q, a) => answered.forEach((o) => guard(() => o.answered?.(log, q, a))) }),
    ...(decided.length > 0 && { decided: (d, b, p) => decided.forEach((o) => guard(() => o.decided?.(d, b, p))) }),
  };
}
