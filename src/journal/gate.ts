/**
 * The journal's AnswerGate (engine/gate.ts): what the engine consults before a policy
 * sees a log's answer. It only ever turns an answer into a fault:
 *
 *   - a log whose key has evidence of equivocation against it (two fingerprints for
 *     one path, both validly signed) answers `equivocation`, whatever it says;
 *   - past a log's `trusted-until`, a vote whose claim was first seen after that
 *     instant answers `key-expired`. Without a journal no claim can be shown to be
 *     older, so every vote of such a log does (fail closed).
 */
import { fault, type LogName } from '../claims.ts';
import type { AnswerGate } from '../engine/gate.ts';
import type { Journal, JournalLog } from './journal.ts';

export function createGate(logs: readonly JournalLog[], journal: Journal | undefined, now: () => number = Date.now): AnswerGate | undefined {
  const byName = new Map<LogName, JournalLog>(logs.map((l) => [l.name, l]));
  const expiring = logs.some((l) => l.trustedUntil !== undefined);
  if (journal === undefined && !expiring) return undefined;
  return {
    override(log, q, answer) {
      const cfg = byName.get(log);
      if (cfg === undefined) return undefined;
      const key = journal?.keyOf(log);
      if (key !== undefined && journal?.equivocating().has(key) === true) {
        return fault('equivocation', `this log's key signed two different fingerprints for one store path: its answers no longer count (see trustix-vote evidence)`);
      }
      if (cfg.trustedUntil === undefined || answer.outcome !== 'vote') return undefined;
      const t = now();
      if (t < cfg.trustedUntil) return undefined;
      const p = answer.claim.proof;
      if (p.kind !== 'narinfo-signature') return undefined;
      const first = key === undefined ? undefined : journal?.firstSeen(key, q.path ?? answer.claim.path, p.fingerprint);
      if (first !== undefined && first < cfg.trustedUntil) return undefined;
      const until = new Date(cfg.trustedUntil).toISOString();
      return fault('key-expired', first === undefined
        ? `trusted until ${until}, and this claim was never seen before then`
        : `claim first seen ${new Date(first).toISOString()}, after this log's trusted-until ${until}`);
    },
  };
}
