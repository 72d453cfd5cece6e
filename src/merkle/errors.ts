/**
 * Why a proof did not check out.
 *
 * ProofShapeError: the proof cannot be right whatever its hashes are (index not
 * below the size, a hash that is not 32 bytes, a proof of the wrong length).
 * It is raised before any hashing. RootMismatchError: the proof has the right
 * shape but leads to another root. Both carry a stable `code` naming the proof
 * that failed, so callers branch on the code and tests on the class:
 *
 *   new ProofShapeError('bad-inclusion-proof', 'index 5 is not below size 5')
 *   new RootMismatchError('bad-consistency-proof', 'second', want, got)
 *
 * Classes are tagged with registry symbols so the checks work across copies of
 * this module (cf. execa's lib/return/final-error.js).
 */

import type { Hash } from './hash.ts';
import { toHex } from './hash.ts';

export type ProofFault = 'bad-inclusion-proof' | 'bad-consistency-proof' | 'bad-map-proof';

const PROOF_TAG = Symbol.for('trustix-vote.ProofError');

export class ProofError extends Error {
  readonly code: ProofFault;

  constructor(code: ProofFault, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProofError';
    this.code = code;
  }

  static {
    Object.defineProperty(this.prototype, PROOF_TAG, { value: true });
  }
}

export class ProofShapeError extends ProofError {
  constructor(code: ProofFault, message: string) {
    super(code, message);
    this.name = 'ProofShapeError';
  }
}

export class RootMismatchError extends ProofError {
  /** Which root: an inclusion or map proof has one, a consistency proof two. */
  readonly which: 'root' | 'first' | 'second';
  readonly expected: Hash;
  readonly computed: Hash;

  constructor(code: ProofFault, which: 'root' | 'first' | 'second', expected: Hash, computed: Hash) {
    super(code, `${which === 'root' ? '' : `${which} `}root mismatch: proof gives ${toHex(computed)}, want ${toHex(expected)}`);
    this.name = 'RootMismatchError';
    this.which = which;
    this.expected = expected;
    this.computed = computed;
  }
}

export function isProofError(e: unknown): e is ProofError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[PROOF_TAG] === true;
}
