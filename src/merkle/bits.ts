/**
 * Bit arithmetic on tree indices, as in transparency-dev/merkle proof/verify.go.
 *
 * An inclusion proof for leaf `index` in a tree of `size` leaves splits into
 * an "inner" part (siblings below the point where the paths to `index` and to
 * the last leaf `size-1` meet) and a "border" part (one hash per set bit of the
 * index above that point, where the right edge of the tree is incomplete).
 * Example: index 2, size 7 → inner = bitLen(2 ^ 6) = 3, border = popcount(2 >> 3) = 0.
 */

export function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

export function popCount(x: bigint): number {
  let n = 0;
  for (let v = x; v > 0n; v >>= 1n) n += Number(v & 1n);
  return n;
}

export function trailingZeros(x: bigint): number {
  if (x === 0n) return 0;
  let n = 0;
  for (let v = x; (v & 1n) === 0n; v >>= 1n) n++;
  return n;
}

/** Sizes of the inner and border parts of the inclusion proof for `index` in `size` (index < size). */
export function decomposeInclusionProof(index: bigint, size: bigint): { inner: number; border: number } {
  const inner = bitLength(index ^ (size - 1n));
  return { inner, border: popCount(index >> BigInt(inner)) };
}
