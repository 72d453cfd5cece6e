/**
 * Building proofs from all of a tree's leaf hashes: RFC 6962 PATH and PROOF.
 *
 * What a log server computes; we need it to check recorded proofs byte for byte
 * and to serve proofs from in-memory test logs. Example, leaves e0..e4:
 *
 *   inclusionProof(leaves, 2)            = [e3, node(e0, e1), e4]
 *   consistencyProof(leaves.slice(0, 5), 3) = [e2, e3, node(e0, e1), e4]
 *
 * Unlike Trustix's own builder (SPEC §3.5), a range that has no proof is a
 * ProofShapeError, never an empty or made-up list: index must be below the size,
 * and the old size at most the new one (0 and equal sizes give the empty proof).
 */

import { ProofShapeError } from './errors.ts';
import type { Hash } from './hash.ts';
import { rootFromLeafHashes, splitPoint } from './root.ts';

/** PATH(index, leaves): the audit path of one leaf, leaf level first. */
export function inclusionProof(leaves: readonly Hash[], index: number): Hash[] {
  if (!Number.isSafeInteger(index) || index < 0 || index >= leaves.length) {
    throw new ProofShapeError('bad-inclusion-proof', `no leaf ${index} in a tree of ${leaves.length}`);
  }
  return path(leaves, index);
}

function path(leaves: readonly Hash[], m: number): Hash[] {
  if (leaves.length <= 1) return [];
  const k = splitPoint(leaves.length);
  return m < k
    ? [...path(leaves.slice(0, k), m), rootFromLeafHashes(leaves.slice(k))]
    : [...path(leaves.slice(k), m - k), rootFromLeafHashes(leaves.slice(0, k))];
}

/** PROOF(oldSize, leaves): shows the first oldSize leaves are a prefix of all of them. */
export function consistencyProof(leaves: readonly Hash[], oldSize: number): Hash[] {
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > leaves.length) {
    throw new ProofShapeError('bad-consistency-proof', `no consistency proof from ${oldSize} to ${leaves.length}`);
  }
  return oldSize === 0 ? [] : subproof(leaves, oldSize, true);
}

function subproof(leaves: readonly Hash[], m: number, complete: boolean): Hash[] {
  const n = leaves.length;
  if (m === n) return complete ? [] : [rootFromLeafHashes(leaves)];
  const k = splitPoint(n);
  return m <= k
    ? [...subproof(leaves.slice(0, k), m, complete), rootFromLeafHashes(leaves.slice(k))]
    : [...subproof(leaves.slice(k), m - k, false), rootFromLeafHashes(leaves.slice(0, k))];
}
