/**
 * Consistency proofs: RFC 6962 PROOF(m, D[n]), verified as in RFC 9162 §2.1.4.2
 * and transparency-dev/merkle proof/verify.go.
 *
 * The proof shows that the tree of size1 leaves is a prefix of the tree of
 * size2 leaves. Example, size1 = 3, size2 = 5 (leaves e0..e4):
 *
 *   proof = [e2, e3, k01, e4]   (deepest first)
 *   root1 = node(k01, e2)                    from e2 and k01
 *   root2 = node(node(k01, node(e2, e3)), e4) from all four
 *
 * When size1 is a power of two the old root is itself a node of the new tree and
 * is left out of the proof. Checked before hashing: size1 <= size2, every hash
 * 32 bytes, and exactly the number of hashes the sizes call for. size1 == size2
 * needs an empty proof and equal roots; size1 == 0 needs an empty proof and the
 * empty-tree root as root1 (RFC 9162 leaves the latter implicit; we check it).
 */

import { decomposeInclusionProof, trailingZeros } from './bits.ts';
import { chainBorderRight, chainInner, chainInnerRight } from './chain.ts';
import { ProofShapeError, RootMismatchError } from './errors.ts';
import { EMPTY_ROOT, equalBytes } from './hash.ts';
import type { Hash } from './hash.ts';
import { checkHash, checkProof, checkUint64 } from './shape.ts';

const CODE = 'bad-consistency-proof';

function match(which: 'first' | 'second', want: Hash, got: Hash): void {
  if (!equalBytes(got, want)) throw new RootMismatchError(CODE, which, want, got);
}

/** Throws unless `proof` shows the tree (size1, root1) to be a prefix of (size2, root2). */
export function verifyConsistency(
  size1: bigint, size2: bigint, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array,
): void {
  checkUint64(CODE, 'size1', size1);
  checkUint64(CODE, 'size2', size2);
  if (size2 < size1) throw new ProofShapeError(CODE, `size2 ${size2} is below size1 ${size1}`);
  const r1 = checkHash(CODE, 'root1', root1);
  const r2 = checkHash(CODE, 'root2', root2);
  if (size1 === size2) {
    checkProof(CODE, proof, 0);
    match('second', r2, r1);
    return;
  }
  if (size1 === 0n) {
    checkProof(CODE, proof, 0);
    match('first', r1, EMPTY_ROOT);
    return;
  }
  // size1 < size2: walk the inclusion path of leaf size1-1 in the bigger tree,
  // starting from the highest complete subtree that ends at size1.
  const { inner: fullInner, border } = decomposeInclusionProof(size1 - 1n, size2);
  const shift = trailingZeros(size1);
  const inner = fullInner - shift;
  const oldRootIsNode = size1 === 1n << BigInt(shift);
  const start = oldRootIsNode ? 0 : 1;
  const hashes = checkProof(CODE, proof, start + inner + border);
  const seed = oldRootIsNode ? r1 : (hashes[0] as Hash);
  const path = hashes.slice(start);
  const mask = (size1 - 1n) >> BigInt(shift);
  match('first', r1, chainBorderRight(chainInnerRight(seed, path.slice(0, inner), mask), path.slice(inner)));
  match('second', r2, chainBorderRight(chainInner(seed, path.slice(0, inner), mask), path.slice(inner)));
}
