/**
 * A whole sparse Merkle map in memory (smt-proof.ts has the format): its root and
 * compact proofs, as a Trustix node computes them. We use it to reproduce the
 * recorded roots and proofs byte for byte and to serve maps from test logs.
 *
 *   const m = buildMap([{ key: utf8('/nix/store/…-hello'), value: mapEntryBytes }]);
 *   m.root          // = that one leaf's hash
 *   m.prove(key)    // SparseCompactMerkleProof, of presence or of absence
 *
 * A later entry for the same key replaces an earlier one, and an empty value
 * deletes. bitOrder 'lsb' reads each byte from its least significant bit, as the
 * lazyledger/smt that tweag/trustix pinned did (roots only, SPEC §4.7).
 */

import { Buffer } from 'node:buffer';
import { equalBytes, nodeHash, sha256, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { PLACEHOLDER, SMT_DEPTH, bitAt, smtLeafHash } from './smt-proof.ts';
import type { SparseCompactMerkleProof } from './wire-messages.ts';

interface Leaf { readonly path: Hash; readonly valueHash: Hash; readonly hash: Hash }
type Bit = (path: Uint8Array, i: number) => 0 | 1;

export interface SparseMap {
  readonly root: Hash;
  prove(key: Uint8Array): SparseCompactMerkleProof;
}

const lsbFirst: Bit = (path, i) => (((path[i >> 3] ?? 0) >> (i & 7)) & 1) as 0 | 1;

function subtreeRoot(leaves: readonly Leaf[], depth: number, bit: Bit): Hash {
  if (leaves.length === 0) return PLACEHOLDER;
  if (leaves.length === 1) return (leaves[0] as Leaf).hash;
  if (depth >= SMT_DEPTH) throw new Error('two leaves with one path');
  return nodeHash(
    subtreeRoot(leaves.filter((l) => bit(l.path, depth) === 0), depth + 1, bit),
    subtreeRoot(leaves.filter((l) => bit(l.path, depth) === 1), depth + 1, bit),
  );
}

export function buildMap(entries: Iterable<{ readonly key: Uint8Array; readonly value: Uint8Array }>, bitOrder: 'msb' | 'lsb' = 'msb'): SparseMap {
  const bit = bitOrder === 'msb' ? bitAt : lsbFirst;
  const byPath = new Map<string, Leaf>();
  for (const { key, value } of entries) {
    const path = sha256(key);
    if (value.length === 0) {
      byPath.delete(toHex(path));
    } else {
      const valueHash = sha256(value);
      byPath.set(toHex(path), { path, valueHash, hash: smtLeafHash(path, valueHash) });
    }
  }
  const leaves = [...byPath.values()];
  const root = subtreeRoot(leaves, 0, bit);

  function prove(key: Uint8Array): SparseCompactMerkleProof {
    const path = sha256(key);
    const siblings: Hash[] = [];
    let here = leaves;
    while (here.length > 1) {
      const depth = siblings.length;
      siblings.push(subtreeRoot(here.filter((l) => bit(l.path, depth) !== bit(path, depth)), depth + 1, bit));
      here = here.filter((l) => bit(l.path, depth) === bit(path, depth));
    }
    const only = here[0];
    const side = siblings.reverse();
    const bitMask = new Uint8Array(Math.ceil(side.length / 8));
    side.forEach((s, i) => {
      if (equalBytes(s, PLACEHOLDER)) bitMask[i >> 3] = (bitMask[i >> 3] as number) | (0x80 >> (i & 7));
    });
    return {
      SideNodes: side.filter((s) => !equalBytes(s, PLACEHOLDER)),
      ...(only === undefined || equalBytes(only.path, path) ? {} : { NonMembershipLeafData: Uint8Array.from(Buffer.concat([Uint8Array.of(0), only.path, only.valueHash])) }),
      BitMask: bitMask,
      NumSideNodes: BigInt(side.length),
    };
  }

  return { root, prove };
}
