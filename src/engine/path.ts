/**
 * When only a hash part is asked (as Nix does), the full path comes from the logs'
 * narinfos. Logs that name another path than the one most votes name are faults:
 * a store path's name is part of what is being voted on. A tie names no path.
 */
import type { StorePath } from '../nixfmt/index.ts';
import type { Answer, Ballot } from '../vote/types.ts';

export function pathOfAnswers(answers: readonly Answer[]): Ballot | undefined {
  const counts = new Map<StorePath, number>();
  for (const a of answers) if (a.outcome === 'vote') counts.set(a.claim.path, (counts.get(a.claim.path) ?? 0) + 1);
  let path: StorePath | undefined;
  let best = 0;
  let tied = false;
  for (const [p, n] of counts) {
    if (n > best) [path, best, tied] = [p, n, false];
    else if (n === best) tied = true;
  }
  // Logs naming different paths for one hash part in equal numbers: nobody is believed.
  if (path === undefined || tied) return undefined;
  const chosen = path;
  return {
    path: chosen,
    answers: answers.map((a) =>
      a.outcome === 'vote' && a.claim.path !== chosen
        ? { outcome: 'fault', reason: `names ${a.claim.path} where most logs name ${chosen}` }
        : a,
    ),
  };
}
