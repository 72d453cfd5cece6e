/**
 * A Trustix map (smt-proof.ts has the format) as an immutable trie in memory: a
 * batch of inserts gives a new root that shares every untouched subtree with the old
 * one, so a log can keep the maps of its recent heads side by side and prove against
 * any of them. Roots and proofs are those of smt-tree.ts (celestiaorg/smt v0.3.0).
 *
 *   let m = buildTrie(leavesSortedByPath)          // O(n) hashes, for loading a log
 *   m = insertLeaves(m, batch)                     // O(batch × depth) new nodes
 *   trieRoot(m); proveTrie(m, path)                // proof of presence or absence
 *
 * A node is a leaf (a subtree holding one key) or an inner node with two children,
 * either of which may be empty (the placeholder); an inner node always has two or
 * more leaves below it. Leaves carry whatever else the caller attaches to them.
 */

import { Buffer } from 'node:buffer';
import { equalBytes, nodeHash, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { PLACEHOLDER, SMT_DEPTH, bitAt, smtLeafHash } from './smt-proof.ts';
import type { SparseCompactMerkleProof } from './wire-messages.ts';

export interface TrieLeaf {
  /** SHA-256 of the key. */
  readonly path: Hash;
  /** SHA-256 of the value (for Trustix: of the MapEntry JSON). */
  readonly valueHash: Hash;
}

interface LeafNode<L extends TrieLeaf> { readonly leaf: L; readonly hash: Hash }
interface InnerNode<L extends TrieLeaf> { readonly left: Trie<L>; readonly right: Trie<L>; readonly hash: Hash }

/** A map, or one of its subtrees; undefined is the empty one. */
export type Trie<L extends TrieLeaf> = LeafNode<L> | InnerNode<L> | undefined;

/**
 * Node hashes live side by side in 64 KiB slabs: a Uint8Array of its own costs an
 * ArrayBuffer and a backing store per hash, several times the 32 bytes it holds.
 */
const SLAB = 64 * 1024;
let slab = new Uint8Array(SLAB);
let used = 0;

function kept(h: Uint8Array): Hash {
  if (used + 32 > SLAB) {
    slab = new Uint8Array(SLAB);
    used = 0;
  }
  const out = slab.subarray(used, used + 32);
  out.set(h);
  used += 32;
  return out as Hash;
}

const isLeaf = <L extends TrieLeaf>(n: LeafNode<L> | InnerNode<L>): n is LeafNode<L> => 'leaf' in n;

export function trieRoot<L extends TrieLeaf>(t: Trie<L>): Hash {
  return t?.hash ?? PLACEHOLDER;
}

function inner<L extends TrieLeaf>(left: Trie<L>, right: Trie<L>): InnerNode<L> {
  return { left, right, hash: kept(nodeHash(left?.hash ?? PLACEHOLDER, right?.hash ?? PLACEHOLDER)) };
}

/** The first index in sorted[lo, hi) whose path has bit `depth` set. */
function split<L extends TrieLeaf>(sorted: readonly L[], lo: number, hi: number, depth: number): number {
  let a = lo;
  let b = hi;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (bitAt((sorted[mid] as L).path, depth) === 1) b = mid;
    else a = mid + 1;
  }
  return a;
}

function build<L extends TrieLeaf>(sorted: readonly L[], lo: number, hi: number, depth: number): Trie<L> {
  if (hi - lo === 0) return undefined;
  const first = sorted[lo] as L;
  if (hi - lo === 1) return { leaf: first, hash: kept(smtLeafHash(first.path, first.valueHash)) };
  if (depth >= SMT_DEPTH) throw new Error(`two leaves with path ${toHex(first.path)}`);
  const mid = split(sorted, lo, hi, depth);
  return inner(build(sorted, lo, mid, depth + 1), build(sorted, mid, hi, depth + 1));
}

export function comparePaths(a: TrieLeaf, b: TrieLeaf): number {
  return Buffer.compare(a.path, b.path);
}

/** The map of these leaves, which must be sorted by path and distinct. */
export function buildTrie<L extends TrieLeaf>(sortedByPath: readonly L[]): Trie<L> {
  return build(sortedByPath, 0, sortedByPath.length, 0);
}

function merge<L extends TrieLeaf>(t: Trie<L>, batch: readonly L[], lo: number, hi: number, depth: number): Trie<L> {
  if (hi === lo) return t;
  if (t === undefined) return build(batch, lo, hi, depth);
  if (isLeaf(t)) {
    const all = batch.slice(lo, hi);
    const at = all.findIndex((l) => comparePaths(l, t.leaf) >= 0);
    if (at >= 0 && equalBytes((all[at] as L).path, t.leaf.path)) throw new Error(`the map holds path ${toHex(t.leaf.path)} already`);
    all.splice(at < 0 ? all.length : at, 0, t.leaf);
    return build(all, 0, all.length, depth);
  }
  const mid = split(batch, lo, hi, depth);
  return inner(merge(t.left, batch, lo, mid, depth + 1), merge(t.right, batch, mid, hi, depth + 1));
}

/**
 * The map with these leaves added (the original is unchanged). Paths must be new
 * to the map and distinct; a path the map holds already is an Error, since a
 * Trustix map never changes a key's value.
 */
export function insertLeaves<L extends TrieLeaf>(t: Trie<L>, leaves: readonly L[]): Trie<L> {
  const sorted = [...leaves].sort(comparePaths);
  for (let i = 1; i < sorted.length; i++) {
    if (equalBytes((sorted[i] as L).path, (sorted[i - 1] as L).path)) throw new Error('two leaves with one path in a batch');
  }
  return merge(t, sorted, 0, sorted.length, 0);
}

/** The leaf stored under `path`, if any. */
export function findLeaf<L extends TrieLeaf>(t: Trie<L>, path: Uint8Array): L | undefined {
  let n = t;
  for (let depth = 0; n !== undefined; depth++) {
    if (isLeaf(n)) return equalBytes(n.leaf.path, path) ? n.leaf : undefined;
    n = bitAt(path, depth) === 1 ? n.right : n.left;
  }
  return undefined;
}

export interface TrieProof<L extends TrieLeaf> {
  readonly proof: SparseCompactMerkleProof;
  /** The key's own leaf, when the map holds the key. */
  readonly leaf?: L;
}

/** The compact proof for `path`: of presence when the map holds it, else of absence. */
export function proveTrie<L extends TrieLeaf>(t: Trie<L>, path: Uint8Array): TrieProof<L> {
  const side: Hash[] = [];
  let n = t;
  let found: L | undefined;
  let other: L | undefined;
  for (let depth = 0; n !== undefined; depth++) {
    if (isLeaf(n)) {
      if (equalBytes(n.leaf.path, path)) found = n.leaf;
      else other = n.leaf;
      break;
    }
    const right = bitAt(path, depth) === 1;
    side.push((right ? n.left : n.right)?.hash ?? PLACEHOLDER);
    n = right ? n.right : n.left;
  }
  side.reverse();
  const bitMask = new Uint8Array(Math.ceil(side.length / 8));
  const sideNodes: Hash[] = [];
  side.forEach((s, i) => {
    if (s === PLACEHOLDER || equalBytes(s, PLACEHOLDER)) bitMask[i >> 3] = (bitMask[i >> 3] as number) | (0x80 >> (i & 7));
    else sideNodes.push(s);
  });
  const proof: SparseCompactMerkleProof = {
    SideNodes: sideNodes,
    ...(other === undefined ? {} : { NonMembershipLeafData: Uint8Array.from([0, ...other.path, ...other.valueHash]) }),
    BitMask: bitMask,
    NumSideNodes: BigInt(side.length),
  };
  return found === undefined ? { proof } : { proof, leaf: found };
}
