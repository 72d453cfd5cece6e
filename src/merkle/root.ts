/**
 * The root of a whole tree from its leaf hashes: RFC 6962 MTH.
 *
 *   MTH({})      = SHA-256("")
 *   MTH({d0})    = leaf hash of d0
 *   MTH(D[0:n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n
 *
 * Example: 3 leaves e0, e1, e2 → node(node(e0, e1), e2). Used to recompute a
 * log's root from all of its leaves, and by the proof builders in prove.ts.
 */

import { EMPTY_ROOT, nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';

/** The largest power of two strictly below n (n >= 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function rootFromLeafHashes(leaves: readonly Hash[]): Hash {
  const n = leaves.length;
  if (n === 0) return EMPTY_ROOT;
  if (n === 1) return leaves[0] as Hash;
  const k = splitPoint(n);
  return nodeHash(rootFromLeafHashes(leaves.slice(0, k)), rootFromLeafHashes(leaves.slice(k)));
}
