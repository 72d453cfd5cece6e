/**
 * The query engine: for each store path, ask every log in parallel, build the
 * Ballot and let the policy decide. It walks closures through the logs' References
 * when asked to, merges duplicate work (one in-flight ballot per path), and turns
 * whatever has not answered by the run deadline into faults.
 */
import { hashPartOf, type HashPart, type StorePath } from '../nixfmt/index.ts';
import type { LogSource } from '../logs/types.ts';
import type { Ops } from '../ops.ts';
import type { Policy } from '../vote/policy.ts';
import type { Answer, Ballot, Claim, Decision } from '../vote/types.ts';
import { pathOfAnswers } from './path.ts';

export interface Decided {
  readonly decision: Decision;
  readonly ballot: Ballot;
}

/** Called with each verified vote as it arrives, before the path is decided. */
export type OnVote = (claim: Claim) => void;

export interface Engine {
  /** Ballots and decides one path whose full name is known. */
  decide(path: StorePath, signal: AbortSignal, onVote?: OnVote): Promise<Decided>;
  /** Learns the path from the logs; undefined when no log has a narinfo for it. */
  decideHashPart(hashPart: HashPart, signal: AbortSignal, onVote?: OnVote): Promise<Decided | undefined>;
  /**
   * Decides every path in `roots`, and with `walk` every path their voted References
   * lead to (the winner's when trusted, every voter's otherwise).
   */
  decideAll(roots: readonly StorePath[], opts: { walk: boolean; signal: AbortSignal; maxPaths?: number }): Promise<Decided[]>;
}

export function createEngine(opts: { logs: readonly LogSource[]; policy: Policy; ops: Ops }): Engine {
  const { logs, policy, ops } = opts;

  async function ask(hashPart: HashPart, expected: StorePath | undefined, signal: AbortSignal, onVote?: OnVote): Promise<Answer[]> {
    return Promise.all(logs.map(async (log) => {
      const answer = await log.query(hashPart, expected, signal);
      if (onVote !== undefined && answer.outcome === 'vote') onVote(answer.claim);
      return answer;
    }));
  }

  function judge(ballot: Ballot): Decided {
    return { ballot, decision: policy.decide(ballot) };
  }

  const engine: Engine = {
    async decide(path, signal, onVote) {
      return judge({ path, answers: await ask(hashPartOf(path), path, signal, onVote) });
    },

    async decideHashPart(hashPart, signal, onVote) {
      const resolved = pathOfAnswers(await ask(hashPart, undefined, signal, onVote));
      return resolved && judge(resolved);
    },

    async decideAll(roots, { walk, signal, maxPaths = 200_000 }) {
      const seen = new Set<StorePath>();
      const results: Decided[] = [];
      const pending = new Set<Promise<void>>();
      let done = 0;
      const visit = (path: StorePath): void => {
        if (seen.has(path)) return;
        if (seen.size >= maxPaths) {
          if (seen.size === maxPaths) ops.log({ kind: 'warn', message: `closure has more than ${maxPaths} paths; the rest were not voted on` });
          seen.add(path);
          return;
        }
        seen.add(path);
        const task = engine.decide(path, signal).then((d) => {
          results.push(d);
          done += 1;
          ops.log({ kind: 'progress', done, total: seen.size, phase: 'voting' });
          if (walk) for (const ref of referencesToWalk(d)) visit(ref);
        });
        pending.add(task);
        void task.finally(() => pending.delete(task));
      };
      roots.forEach(visit);
      while (pending.size > 0) await Promise.all([...pending]);
      return results;
    },
  };
  return engine;
}

function referencesToWalk({ decision, ballot }: Decided): StorePath[] {
  const refs = new Set<StorePath>();
  for (const a of ballot.answers) {
    if (a.outcome !== 'vote') continue;
    if (decision.narHash !== undefined && a.claim.narHash !== decision.narHash) continue;
    for (const r of a.claim.references) if (r !== ballot.path) refs.add(r);
  }
  return [...refs];
}
