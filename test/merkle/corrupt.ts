/**
 * Corruption tables in the shape of transparency-dev/merkle's testdata: each
 * probe has a `desc` and the error class it must fail with (`wantErr`); 'ProofError'
 * means either class will do, because whether the shape or the root gives first
 * depends on the sizes.
 */
import assert from 'node:assert/strict';
import { ProofError, ProofShapeError, RootMismatchError } from '../../src/merkle/index.ts';
import type { ProofFault } from '../../src/merkle/index.ts';
import { flip } from './data.ts';

export type WantErr = 'ProofShapeError' | 'RootMismatchError' | 'ProofError';
const CLASSES = { ProofShapeError, RootMismatchError, ProofError } as const;

export interface InclusionProbe {
  readonly desc: string; readonly index: bigint; readonly size: bigint;
  readonly leaf: Uint8Array; readonly proof: readonly Uint8Array[]; readonly root: Uint8Array; readonly wantErr: WantErr;
}
export interface ConsistencyProbe {
  readonly desc: string; readonly size1: bigint; readonly size2: bigint;
  readonly proof: readonly Uint8Array[]; readonly root1: Uint8Array; readonly root2: Uint8Array; readonly wantErr: WantErr;
}

const RANDOM = new Uint8Array(32).fill(0x5a);

function proofProbes(proof: readonly Uint8Array[], root: Uint8Array): Array<{ desc: string; proof: Uint8Array[]; wantErr: WantErr }> {
  const out: Array<{ desc: string; proof: Uint8Array[]; wantErr: WantErr }> = [
    { desc: 'trailing empty garbage', proof: [...proof, new Uint8Array()], wantErr: 'ProofShapeError' },
    { desc: 'trailing root', proof: [...proof, root], wantErr: 'ProofShapeError' },
    { desc: 'preceding empty garbage', proof: [new Uint8Array(), ...proof], wantErr: 'ProofShapeError' },
    { desc: 'preceding root', proof: [root, ...proof], wantErr: 'ProofShapeError' },
  ];
  proof.forEach((_, i) => {
    out.push({ desc: `proof[${i}] bit 3 flipped`, proof: proof.map((p, j) => (j === i ? flip(p) : p)), wantErr: 'RootMismatchError' });
    out.push({ desc: `proof[${i}] truncated to 31 bytes`, proof: proof.map((p, j) => (j === i ? p.subarray(0, 31) : p)), wantErr: 'ProofShapeError' });
  });
  if (proof.length > 0) {
    out.push({ desc: 'last hash removed', proof: proof.slice(0, -1), wantErr: 'ProofShapeError' });
    out.push({ desc: 'first hash removed', proof: proof.slice(1), wantErr: 'ProofShapeError' });
  }
  return out;
}

export function inclusionProbes(index: bigint, size: bigint, leaf: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): InclusionProbe[] {
  const base = { index, size, leaf, proof, root };
  const out: InclusionProbe[] = [
    { ...base, desc: 'index - 1', index: index - 1n, wantErr: 'ProofError' },
    { ...base, desc: 'index + 1', index: index + 1n, wantErr: 'ProofError' },
    { ...base, desc: 'index ^ 2', index: index ^ 2n, wantErr: 'ProofError' },
    { ...base, desc: 'size * 2', size: size * 2n, wantErr: 'ProofError' },
    { ...base, desc: 'size / 2', size: size / 2n, wantErr: 'ProofError' },
    { ...base, desc: 'index = size', index: size, wantErr: 'ProofShapeError' },
    { ...base, desc: 'leaf bit flipped', leaf: flip(leaf), wantErr: 'RootMismatchError' },
    { ...base, desc: 'leaf of 9 bytes', leaf: new TextEncoder().encode('WrongLeaf'), wantErr: 'ProofShapeError' },
    { ...base, desc: 'random root', root: RANDOM, wantErr: 'RootMismatchError' },
    { ...base, desc: 'root bit flipped', root: flip(root, 31, 0), wantErr: 'RootMismatchError' },
    { ...base, desc: 'root of 33 bytes', root: Uint8Array.of(...root, 0), wantErr: 'ProofShapeError' },
  ];
  for (const p of proofProbes(proof, root)) out.push({ ...base, ...p });
  return out;
}

export function consistencyProbes(size1: bigint, size2: bigint, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): ConsistencyProbe[] {
  const base = { size1, size2, proof, root1, root2 };
  const out: ConsistencyProbe[] = [
    { ...base, desc: 'size1 - 1', size1: size1 - 1n, wantErr: 'ProofError' },
    { ...base, desc: 'size1 + 1', size1: size1 + 1n, wantErr: 'ProofError' },
    { ...base, desc: 'size1 ^ 2', size1: size1 ^ 2n, wantErr: 'ProofError' },
    { ...base, desc: 'size2 * 2', size2: size2 * 2n, wantErr: 'ProofError' },
    { ...base, desc: 'size2 / 2', size2: size2 / 2n, wantErr: 'ProofError' },
    { ...base, desc: 'sizes swapped', size1: size2, size2: size1, wantErr: 'ProofShapeError' },
    { ...base, desc: 'roots swapped', root1: root2, root2: root1, wantErr: 'RootMismatchError' },
    { ...base, desc: 'random root1', root1: RANDOM, wantErr: 'RootMismatchError' },
    { ...base, desc: 'random root2', root2: RANDOM, wantErr: 'RootMismatchError' },
    { ...base, desc: 'root1 bit flipped', root1: flip(root1, 31, 0), wantErr: 'RootMismatchError' },
    { ...base, desc: 'root2 bit flipped', root2: flip(root2, 31, 0), wantErr: 'RootMismatchError' },
    { ...base, desc: 'root2 of 31 bytes', root2: root2.subarray(0, 31), wantErr: 'ProofShapeError' },
    { ...base, desc: 'size2 = size1 with this proof', size2: size1, wantErr: 'ProofShapeError' },
  ];
  for (const p of proofProbes(proof, root2)) out.push({ ...base, ...p });
  return out;
}

/** Asserts that `f` fails with the wanted class and proof code. */
export function assertFails(f: () => unknown, wantErr: WantErr, code: ProofFault, desc: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof CLASSES[wantErr], `${desc}: want ${wantErr}, got ${String(e)}`);
    assert.equal((e as ProofError).code, code, desc);
    return true;
  }, desc);
}
