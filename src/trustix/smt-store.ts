/**
 * A Trustix map (smt-proof.ts has the format) kept node by node in a database:
 * inserts and compact proofs from a one-method reader, with the roots and proofs
 * smt-tree.ts computes in memory.
 *
 * A node is stored at its position, (depth, the first `depth` bits of its paths),
 * with its hash; a subtree holding one key is that key's leaf, stored with its path
 * and value hash, at the shallowest depth where its path is alone. Example, two
 * keys whose paths start 0110… and 0101…: the root (0, "") and (1, "0") are inner
 * nodes, (2, "00") and (2, "11") are empty, (2, "01") is inner and the leaves sit at
 * (3, "011") and (3, "010").
 *
 * A key is never removed, so a position once used is never empty again: a database
 * that keeps each position's earlier rows under the version that wrote them can
 * read any older map as it was, which is how we prove against older map roots.
 * Position prefixes are ceil(depth/8) bytes of the path, bits past `depth` zeroed.
 */

import { equalBytes, nodeHash, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { PLACEHOLDER, SMT_DEPTH, bitAt, smtLeafHash } from './smt-proof.ts';
import type { SparseCompactMerkleProof } from './wire-messages.ts';

export interface SmtLeaf {
  /** SHA-256 of the key. */
  readonly path: Hash;
  /** SHA-256 of the value (for Trustix: of the MapEntry JSON). */
  readonly valueHash: Hash;
}

export interface SmtNode {
  readonly hash: Hash;
  /** Present when this node is a leaf. */
  readonly leaf?: SmtLeaf;
}

/** The node at a position, or undefined where the subtree is empty. */
export type SmtReader = (depth: number, prefix: Uint8Array) => SmtNode | undefined;

export interface SmtWrite {
  readonly depth: number;
  readonly prefix: Uint8Array;
  readonly node: SmtNode;
}

export function positionPrefix(path: Uint8Array, depth: number): Uint8Array {
  const n = Math.ceil(depth / 8);
  const out = new Uint8Array(n); // a copy even of a Buffer, whose slice() is a view
  out.set(path.subarray(0, n));
  if (depth % 8 !== 0) out[n - 1] = (out[n - 1] as number) & ((0xff << (8 - (depth % 8))) & 0xff);
  return out;
}

/** The position beside the path's own at depth+1: same first `depth` bits, the other bit `depth`. */
function siblingPrefix(path: Uint8Array, depth: number): Uint8Array {
  const out = positionPrefix(path, depth + 1);
  out[depth >> 3] = (out[depth >> 3] as number) ^ (0x80 >> (depth & 7));
  return out;
}

const childPrefix = (prefix: Uint8Array, depth: number, bit: 0 | 1): Uint8Array => {
  const out = new Uint8Array(Math.ceil((depth + 1) / 8));
  out.set(prefix);
  if (bit === 1) out[depth >> 3] = (out[depth >> 3] as number) | (0x80 >> (depth & 7));
  return out;
};

const keyOf = (depth: number, prefix: Uint8Array): string => `${depth}:${toHex(prefix)}`;

/** An inner node whose hash is recomputed once the whole batch is in. */
const STALE: SmtNode = { hash: PLACEHOLDER };

export function smtRoot(read: SmtReader): Hash {
  return read(0, new Uint8Array(0))?.hash ?? PLACEHOLDER;
}

export function leafNode(leaf: SmtLeaf): SmtNode {
  return { hash: smtLeafHash(leaf.path, leaf.valueHash), leaf };
}

/**
 * Adds leaves whose paths the map does not hold yet (a path already there is an
 * Error: a Trustix map never changes a key's value). Returns the new root and the
 * positions to write, children before parents.
 */
export function smtInsert(leaves: readonly SmtLeaf[], read: SmtReader): { root: Hash; writes: SmtWrite[] } {
  const changed = new Map<string, { depth: number; prefix: Uint8Array; node: SmtNode }>();
  const get = (depth: number, prefix: Uint8Array): SmtNode | undefined => {
    const c = changed.get(keyOf(depth, prefix));
    return c === undefined ? read(depth, prefix) : c.node;
  };
  const put = (depth: number, prefix: Uint8Array, node: SmtNode): void => {
    changed.set(keyOf(depth, prefix), { depth, prefix, node });
  };
  for (const leaf of leaves) {
    let depth = 0;
    for (;;) {
      const prefix = positionPrefix(leaf.path, depth);
      const here = get(depth, prefix);
      if (here === undefined) {
        put(depth, prefix, leafNode(leaf));
        break;
      }
      if (here.leaf !== undefined) {
        if (equalBytes(here.leaf.path, leaf.path)) throw new Error(`the map holds path ${toHex(leaf.path)} already`);
        let split = depth;
        while (bitAt(here.leaf.path, split) === bitAt(leaf.path, split)) split += 1;
        for (let d = depth; d <= split; d++) put(d, positionPrefix(leaf.path, d), STALE);
        put(split + 1, positionPrefix(here.leaf.path, split + 1), here);
        put(split + 1, positionPrefix(leaf.path, split + 1), leafNode(leaf));
        break;
      }
      depth += 1;
      if (depth > SMT_DEPTH) throw new Error('map deeper than 256 levels');
    }
    // Every position above the new leaf is an inner node whose hash is now stale.
    for (let d = 0; d < depth; d++) put(d, positionPrefix(leaf.path, d), STALE);
  }
  const stale = [...changed.values()].filter((c) => c.node === STALE).sort((a, b) => b.depth - a.depth);
  for (const c of stale) {
    const left = get(c.depth + 1, childPrefix(c.prefix, c.depth, 0))?.hash ?? PLACEHOLDER;
    const right = get(c.depth + 1, childPrefix(c.prefix, c.depth, 1))?.hash ?? PLACEHOLDER;
    c.node = { hash: nodeHash(left, right) };
  }
  const writes = [...changed.values()].sort((a, b) => b.depth - a.depth);
  return { root: get(0, new Uint8Array(0))?.hash ?? PLACEHOLDER, writes };
}

export interface StoredProof {
  readonly proof: SparseCompactMerkleProof;
  /** The key's own leaf, when the map holds the key. */
  readonly leaf?: SmtLeaf;
}

/** The compact proof for `path`: of presence when the map holds it, else of absence. */
export function smtProve(path: Hash, read: SmtReader): StoredProof {
  const side: Hash[] = [];
  let found: SmtLeaf | undefined;
  let other: SmtLeaf | undefined;
  for (let depth = 0; depth <= SMT_DEPTH; depth++) {
    const here = read(depth, positionPrefix(path, depth));
    if (here === undefined) break;
    if (here.leaf !== undefined) {
      if (equalBytes(here.leaf.path, path)) found = here.leaf;
      else other = here.leaf;
      break;
    }
    if (depth === SMT_DEPTH) throw new Error('map deeper than 256 levels');
    side.push(read(depth + 1, siblingPrefix(path, depth))?.hash ?? PLACEHOLDER);
  }
  side.reverse();
  const bitMask = new Uint8Array(Math.ceil(side.length / 8));
  side.forEach((s, i) => {
    if (equalBytes(s, PLACEHOLDER)) bitMask[i >> 3] = (bitMask[i >> 3] as number) | (0x80 >> (i & 7));
  });
  const proof: SparseCompactMerkleProof = {
    SideNodes: side.filter((s) => !equalBytes(s, PLACEHOLDER)),
    ...(other === undefined ? {} : { NonMembershipLeafData: Uint8Array.from([0, ...other.path, ...other.valueHash]) }),
    BitMask: bitMask,
    NumSideNodes: BigInt(side.length),
  };
  return found === undefined ? { proof } : { proof, leaf: found };
}
