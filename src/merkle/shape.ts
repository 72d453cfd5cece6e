/**
 * Shape checks shared by the verifiers: run before any hashing, so a malformed
 * proof fails with a ProofShapeError that says what is wrong with it.
 */

import { ProofShapeError } from './errors.ts';
import type { ProofFault } from './errors.ts';
import { HASH_SIZE, isHash } from './hash.ts';
import type { Hash } from './hash.ts';

export const MAX_UINT64 = (1n << 64n) - 1n;

export function checkUint64(code: ProofFault, what: string, n: bigint): void {
  if (n < 0n || n > MAX_UINT64) throw new ProofShapeError(code, `${what} ${n} is not a uint64`);
}

export function checkHash(code: ProofFault, what: string, bytes: Uint8Array): Hash {
  if (!isHash(bytes)) throw new ProofShapeError(code, `${what} is ${bytes.length} bytes, not ${HASH_SIZE}`);
  return bytes;
}

export function checkProof(code: ProofFault, proof: readonly Uint8Array[], want: number): readonly Hash[] {
  if (proof.length !== want) throw new ProofShapeError(code, `proof has ${proof.length} hashes, want ${want}`);
  return proof.map((p, i) => checkHash(code, `proof hash ${i}`, p));
}
