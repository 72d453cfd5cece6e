/**
 * Folding proof hashes into a root (transparency-dev/merkle proof/verify.go).
 *
 * chainInner: the inner part of an inclusion path; bit i of `index` says whether
 * the running hash is the left (0) or the right (1) child at level i.
 * chainInnerRight: the same, but only the levels where it is the right child:
 * what the smaller tree of a consistency proof sees.
 * chainBorderRight: the border part, where the running hash is always the right child.
 */

import { nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';

export function chainInner(seed: Hash, proof: readonly Hash[], index: bigint): Hash {
  let h = seed;
  proof.forEach((p, i) => {
    h = ((index >> BigInt(i)) & 1n) === 0n ? nodeHash(h, p) : nodeHash(p, h);
  });
  return h;
}

export function chainInnerRight(seed: Hash, proof: readonly Hash[], index: bigint): Hash {
  let h = seed;
  proof.forEach((p, i) => {
    if (((index >> BigInt(i)) & 1n) === 1n) h = nodeHash(p, h);
  });
  return h;
}

export function chainBorderRight(seed: Hash, proof: readonly Hash[]): Hash {
  let h = seed;
  for (const p of proof) h = nodeHash(p, h);
  return h;
}
