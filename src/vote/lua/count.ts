/**
 * The arithmetic behind the trustix.* built-ins, free of Lua.
 *
 * A vote list is two parallel arrays: the hash each vote names and what the vote is
 * worth (1 for a head count, the log's weight for weighted). The leader is the hash
 * with the largest total among those that pass the threshold; a tie for the largest
 * total means no leader. Example, five logs, percentage 40:
 *
 *   hashes  [A, B, A, B, C]  amounts [1, 1, 1, 1, 1]
 *   A = 2, B = 2 both reach 2*100 >= 40*5, tie  →  undefined
 */

export type Enough = (amount: number) => boolean;

/** Arrays are reused between calls: the built-ins run on every decision. */
const seen: string[] = [];
const sums: number[] = [];

export function leader(hashes: readonly string[], amounts: readonly number[], enough: Enough): string | undefined {
  seen.length = 0;
  sums.length = 0;
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i] as string;
    const at = seen.indexOf(h);
    if (at < 0) {
      seen.push(h);
      sums.push(amounts[i] as number);
    } else {
      sums[at] = (sums[at] as number) + (amounts[i] as number);
    }
  }
  let best: string | undefined;
  let bestSum = -Infinity;
  let tied = false;
  for (let i = 0; i < seen.length; i++) {
    const sum = sums[i] as number;
    if (!enough(sum)) continue;
    if (sum > bestSum) {
      best = seen[i];
      bestSum = sum;
      tied = false;
    } else if (sum === bestSum) {
      tied = true;
    }
  }
  return tied ? undefined : best;
}

/** At least pct % of all n configured logs, compared without division: 2 of 3 reaches 66, not 67. */
export function percentOf(n: number, pct: number): Enough {
  return (count) => n > 0 && count * 100 >= pct * n;
}

/** Strictly more than half of all n configured logs. */
export function majorityOf(n: number): Enough {
  return (count) => count * 2 > n;
}

/** Weight voting the hash, over the weight of every configured log, at least `fraction`. */
export function fractionOf(totalWeight: number, fraction: number): Enough {
  return (weight) => totalWeight > 0 && weight / totalWeight >= fraction;
}
