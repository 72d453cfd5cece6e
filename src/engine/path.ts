/**
 * When only a hash part is asked (as Nix does), the full path comes from the logs'
 * answers. Logs that name another path than the one most votes name are faults: a
 * store path's name is part of what is being voted on. A tie names no path.
 */
import { fault, type Answer } from '../claims.ts';
import type { StorePath } from '../nixfmt/index.ts';

/** The path most votes name; undefined when none does or names tie. */
export function choosePath(answers: readonly (Answer | undefined)[]): StorePath | undefined {
  const counts = new Map<StorePath, number>();
  for (const a of answers) if (a?.outcome === 'vote') counts.set(a.claim.path, (counts.get(a.claim.path) ?? 0) + 1);
  let path: StorePath | undefined;
  let best = 0;
  let tied = false;
  for (const [p, n] of counts) {
    if (n > best) [path, best, tied] = [p, n, false];
    else if (n === best) tied = true;
  }
  // Logs naming different paths for one hash part in equal numbers: nobody is believed.
  return tied ? undefined : path;
}

/** A vote for another path than `chosen` becomes a fault. */
export function againstChosen(a: Answer, chosen: StorePath): Answer {
  return a.outcome === 'vote' && a.claim.path !== chosen
    ? fault('name-conflict', `names ${a.claim.path} where most logs name ${chosen}`)
    : a;
}
