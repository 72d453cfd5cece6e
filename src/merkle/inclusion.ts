/**
 * Inclusion (audit) proofs: RFC 6962 PATH(m, D[n]), verified as in RFC 9162
 * §2.1.3.2 and transparency-dev/merkle proof/verify.go.
 *
 * The proof lists sibling hashes from the leaf level upward. Example, leaf 2 of 5:
 *
 *                 root
 *               /      \
 *           k0123        e4         proof = [e3, k01, e4]
 *          /     \                  inner = bitLength(2 ^ 4) = 3, border = 0
 *        k01      k23               e2 → node(e2, e3) → node(k01, ·) → node(·, e4)
 *       /  \     /   \
 *      e0  e1  [e2]  e3
 *
 * Checked before hashing: index < size, every hash 32 bytes, and exactly
 * inner + border proof hashes (no more, no fewer).
 */

import { decomposeInclusionProof } from './bits.ts';
import { chainBorderRight, chainInner } from './chain.ts';
import { ProofShapeError, RootMismatchError } from './errors.ts';
import { equalBytes } from './hash.ts';
import type { Hash } from './hash.ts';
import { checkHash, checkProof, checkUint64 } from './shape.ts';

const CODE = 'bad-inclusion-proof';

/** The root that `proof` gives for `leaf` at `index` in a tree of `size` leaves. */
export function rootFromInclusionProof(index: bigint, size: bigint, leaf: Uint8Array, proof: readonly Uint8Array[]): Hash {
  checkUint64(CODE, 'index', index);
  checkUint64(CODE, 'size', size);
  if (index >= size) throw new ProofShapeError(CODE, `index ${index} is not below size ${size}`);
  const seed = checkHash(CODE, 'leaf hash', leaf);
  const { inner, border } = decomposeInclusionProof(index, size);
  const hashes = checkProof(CODE, proof, inner + border);
  return chainBorderRight(chainInner(seed, hashes.slice(0, inner), index), hashes.slice(inner));
}

/** Throws unless `proof` shows `leaf` at `index` in the tree of `size` leaves with this `root`. */
export function verifyInclusion(index: bigint, size: bigint, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): void {
  const want = checkHash(CODE, 'root', root);
  const got = rootFromInclusionProof(index, size, leaf, proof);
  if (!equalBytes(got, want)) throw new RootMismatchError(CODE, 'root', want, got);
}
