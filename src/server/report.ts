/** In report mode: the most recent paths served although the policy would have rejected them. */
import type { Decision } from '../vote/types.ts';

export interface Report {
  add(d: Decision): void;
  list(): { total: number; recent: Decision[] };
}

export function createReport(max: number): Report {
  const recent: Decision[] = [];
  let total = 0;
  return {
    add(d) {
      total += 1;
      recent.push(d);
      if (recent.length > max) recent.shift();
    },
    list: () => ({ total, recent: [...recent] }),
  };
}
