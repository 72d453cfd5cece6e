/**
 * Proofs from a Trustix map: a sparse Merkle tree (celestiaorg/smt v0.3.0, SHA-256).
 *
 * A key sits at path = SHA-256(key), read bit by bit from the most significant
 * bit of byte 0 (1 = right). Leaves and inner nodes hash as
 *
 *   leaf  = SHA-256(0x00 || path || SHA-256(value))      (the 65-byte preimage is "leaf data")
 *   node  = SHA-256(0x01 || left || right),   an empty subtree = 32 zero bytes (placeholder)
 *
 * and a subtree with one leaf is that leaf's hash. A compact proof lists the
 * siblings from the deepest up; BitMask bit i (MSB-first) marks S[i] as the
 * placeholder, which SideNodes then leaves out. Example, a key 4 levels deep:
 *
 *   NumSideNodes 4, BitMask 0x40 (0100…) → S = [SideNodes[0], placeholder, SideNodes[1], SideNodes[2]]
 *
 * Absence is shown by ending in an empty subtree, or in another key's leaf
 * (NonMembershipLeafData) that shares the first NumSideNodes bits of the path.
 * Before any hashing we check what Go does not (SPEC §4.4, §9 bug 3): no set
 * padding bit in BitMask (Go indexes past SideNodes and panics), no stray
 * SideNodes, a 0x00 prefix on the leaf data, a leaf that really shares the path
 * prefix, and no leaf data in a proof of presence. All failures are merkle's
 * ProofShapeError / RootMismatchError with code 'bad-map-proof'.
 */

import { ProofShapeError, RootMismatchError, equalBytes, isHash, nodeHash, sha256 } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import type { SparseCompactMerkleProof } from './wire-messages.ts';

export const SMT_DEPTH = 256;
export const PLACEHOLDER = new Uint8Array(32) as Hash;
const CODE = 'bad-map-proof';

const shape = (why: string): ProofShapeError => new ProofShapeError(CODE, `map proof: ${why}`);

/** Bit i of a path or bit mask, most significant bit of byte 0 first. */
export function bitAt(bytes: Uint8Array, i: number): 0 | 1 {
  return (((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1) as 0 | 1;
}

/** 0x00 || path || value hash, assembled in place (one per lookup, and every leaf of a map built). */
const leafData = new Uint8Array(65);

export function smtLeafHash(path: Uint8Array, valueHash: Uint8Array): Hash {
  if (path.length !== 32 || valueHash.length !== 32) return sha256(Uint8Array.of(0), path, valueHash);
  leafData.set(path, 1);
  leafData.set(valueHash, 33);
  return sha256(leafData);
}

/** The full list of side nodes, deepest first, after the compact proof's shape is checked. */
export function decompactProof(p: SparseCompactMerkleProof): Hash[] {
  if (p.NumSideNodes > BigInt(SMT_DEPTH)) throw shape(`${p.NumSideNodes} side nodes, at most ${SMT_DEPTH}`);
  const n = Number(p.NumSideNodes);
  if (p.BitMask.length !== Math.ceil(n / 8)) throw shape(`BitMask is ${p.BitMask.length} bytes for ${n} side nodes`);
  let placeholders = 0;
  for (let i = 0; i < p.BitMask.length * 8; i++) {
    if (bitAt(p.BitMask, i) === 0) continue;
    if (i >= n) throw shape(`BitMask padding bit ${i} is set`);
    placeholders++;
  }
  if (p.SideNodes.length !== n - placeholders) throw shape(`${p.SideNodes.length} SideNodes, want ${n - placeholders}`);
  p.SideNodes.forEach((s, i) => {
    if (!isHash(s)) throw shape(`SideNodes[${i}] is ${s.length} bytes`);
  });
  let next = 0;
  return Array.from({ length: n }, (_, i) => (bitAt(p.BitMask, i) === 1 ? PLACEHOLDER : (p.SideNodes[next++] as Hash)));
}

/** Where the walk up starts: the key's own leaf, the empty subtree, or the leaf that holds its place. */
function startHash(path: Hash, value: Uint8Array | undefined, p: SparseCompactMerkleProof, depth: number): Hash {
  const other = p.NonMembershipLeafData;
  if (value !== undefined) {
    if (other !== undefined) throw shape('a proof of presence carries NonMembershipLeafData');
    return smtLeafHash(path, sha256(value));
  }
  if (other === undefined) return PLACEHOLDER;
  if (other.length !== 65 || other[0] !== 0) throw shape('NonMembershipLeafData is not 0x00 || path || value hash');
  const otherPath = other.subarray(1, 33);
  if (equalBytes(otherPath, path)) throw shape('NonMembershipLeafData is the key itself');
  for (let i = 0; i < depth; i++) {
    if (bitAt(otherPath, i) !== bitAt(path, i)) throw shape(`NonMembershipLeafData leaves the path at bit ${i}`);
  }
  return sha256(other);
}

/** The root a proof gives for `key`: with `value` present, or (value undefined) absent. */
export function rootFromMapProof(key: Uint8Array, value: Uint8Array | undefined, p: SparseCompactMerkleProof): Hash {
  if (value !== undefined && value.length === 0) throw shape('an empty value means absent and cannot be proven present');
  const side = decompactProof(p);
  const path = sha256(key);
  let h = startHash(path, value, p, side.length);
  side.forEach((s, i) => {
    h = bitAt(path, side.length - 1 - i) === 1 ? nodeHash(s, h) : nodeHash(h, s);
  });
  return h;
}

function check(root: Uint8Array, got: Hash): void {
  if (!isHash(root)) throw shape(`root is ${root.length} bytes`);
  if (!equalBytes(got, root)) throw new RootMismatchError(CODE, 'root', root, got);
}

/** Throws unless the map with this root holds exactly `value` (the raw MapEntry bytes) for `key`. */
export function verifyMapValue(root: Uint8Array, key: Uint8Array, value: Uint8Array, proof: SparseCompactMerkleProof): void {
  check(root, rootFromMapProof(key, value, proof));
}

/** Throws unless the map with this root holds nothing for `key`. */
export function verifyMapAbsence(root: Uint8Array, key: Uint8Array, proof: SparseCompactMerkleProof): void {
  check(root, rootFromMapProof(key, undefined, proof));
}
