/**
 * A Merkle log kept as its complete subtrees, for a log that lives in a database:
 * roots and RFC 6962 proofs for any size, from a one-method reader.
 *
 * Node (level, index) is the root of leaves [index·2^level, (index+1)·2^level); it
 * is stored once all of them are there and never changes after. Appending leaf n
 * stores (0, n) and every node it completes. Example, appending leaf 3:
 *
 *   (0,3) = e3,  (1,1) = node(e2, e3),  (2,0) = node((1,0), (1,1))
 *
 * Every other subtree RFC 6962 needs (the ragged right edge of a tree whose size is
 * not a power of two) is folded from stored ones on the way, so a root costs at most
 * log2(size) reads and a proof O(log² size). Results equal prove.ts's, which works
 * from all leaf hashes in memory. Sizes and indices are numbers (≤ 2^53).
 */

import { ProofShapeError } from './errors.ts';
import { EMPTY_ROOT, nodeHash } from './hash.ts';
import type { Hash } from './hash.ts';
import { splitPoint } from './root.ts';

/**
 * The stored complete subtree (level, index); it must exist. A reader may also
 * remember the roots of incomplete ranges (`ranges`): they never change either, and
 * every proof for one tree size folds the same ones.
 */
export type SubtreeReader = ((level: number, index: number) => Hash) & { readonly ranges?: Map<string, Hash> };

export interface StoredNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Hash;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

function checkSize(code: 'bad-inclusion-proof' | 'bad-consistency-proof', what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new ProofShapeError(code, `${what} ${n} is not a size`);
}

/** The nodes to store when leaf number `size` (0-based) is appended: the leaf and each subtree it completes. */
export function nodesToAppend(size: number, leaf: Hash, read: SubtreeReader): StoredNode[] {
  checkSize('bad-inclusion-proof', 'size', size);
  const out: StoredNode[] = [{ level: 0, index: size, hash: leaf }];
  let h = leaf;
  let index = size;
  let level = 0;
  while (index % 2 === 1) {
    h = nodeHash(read(level, index - 1), h);
    index = (index - 1) / 2;
    level += 1;
    out.push({ level, index, hash: h });
  }
  return out;
}

/** MTH(D[lo:hi]) for a range RFC 6962's recursion visits (lo is aligned to the range's split). */
function rangeRoot(lo: number, hi: number, read: SubtreeReader): Hash {
  const n = hi - lo;
  if (isPowerOfTwo(n)) return read(Math.round(Math.log2(n)), lo / n);
  const key = read.ranges === undefined ? '' : `${lo}-${hi}`;
  const known = read.ranges?.get(key);
  if (known !== undefined) return known;
  const k = splitPoint(n);
  const h = nodeHash(rangeRoot(lo, lo + k, read), rangeRoot(lo + k, hi, read));
  if (read.ranges !== undefined) {
    if (read.ranges.size >= 100_000) read.ranges.clear();
    read.ranges.set(key, h);
  }
  return h;
}

/** The root of the first `size` leaves. */
export function storedRoot(size: number, read: SubtreeReader): Hash {
  checkSize('bad-inclusion-proof', 'size', size);
  return size === 0 ? EMPTY_ROOT : rangeRoot(0, size, read);
}

/** PATH(index, D[0:size]): the audit path of one leaf, leaf level first. */
export function storedInclusionProof(index: number, size: number, read: SubtreeReader): Hash[] {
  checkSize('bad-inclusion-proof', 'size', size);
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new ProofShapeError('bad-inclusion-proof', `no leaf ${index} in a tree of ${size}`);
  }
  const out: Hash[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      out.push(rangeRoot(lo + k, hi, read));
      hi = lo + k;
    } else {
      out.push(rangeRoot(lo, lo + k, read));
      lo += k;
    }
  }
  return out.reverse();
}

/** PROOF(oldSize, D[0:size]): shows the first oldSize leaves are a prefix of the first size. */
export function storedConsistencyProof(oldSize: number, size: number, read: SubtreeReader): Hash[] {
  checkSize('bad-consistency-proof', 'size', size);
  if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) {
    throw new ProofShapeError('bad-consistency-proof', `no consistency proof from ${oldSize} to ${size}`);
  }
  if (oldSize === 0 || oldSize === size) return [];
  // SUBPROOF(m, D[lo:hi], complete), unrolled: the recursion only ever descends one side.
  const out: Hash[] = [];
  let lo = 0;
  let hi = size;
  let complete = true;
  for (;;) {
    const m = oldSize - lo;
    if (m === hi - lo) {
      if (!complete) out.push(rangeRoot(lo, hi, read));
      break;
    }
    const k = splitPoint(hi - lo);
    if (m <= k) {
      out.push(rangeRoot(lo + k, hi, read));
      hi = lo + k;
    } else {
      out.push(rangeRoot(lo, lo + k, read));
      lo += k;
      complete = false;
    }
  }
  return out.reverse();
}
