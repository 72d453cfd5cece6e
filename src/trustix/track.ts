/**
 * Keeping a log honest over time: each new verified head must extend the last
 * one (SPEC §8 step 3, golang/mod sumdb checkTrees). For the main log and the
 * map-head log alike:
 *
 *   new size < old size                 → RollbackError
 *   same size, different head           → ForkError
 *   bigger, consistency proof fails     → InconsistentHeadError
 *
 * Example: last verified {TreeSize 7, LogRoot 28e5…}, new {TreeSize 12, LogRoot
 * f448…} with GetLogConsistencyProof(7, 12) = 5 hashes → the new head is accepted.
 * The same head again is accepted as it is. The map-head log's proof is optional
 * (checking it costs one more request); its sizes are always compared.
 */

import { equalBytes, isProofError, verifyConsistency } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { sameHead } from './head.ts';
import type { VerifiedHead } from './head.ts';
import { ForkError, InconsistentHeadError, RollbackError } from './misbehaviour.ts';

export interface HeadProofs {
  /** GetLogConsistencyProof(previous.TreeSize, next.TreeSize).Proof */
  readonly log: readonly Uint8Array[];
  /** GetMHLogConsistencyProof(previous.MHTreeSize, next.MHTreeSize).Proof, if fetched. */
  readonly mapHeadLog?: readonly Uint8Array[];
}

type Which = 'log' | 'map-head-log';

function sizesAndRoots(previous: VerifiedHead, next: VerifiedHead, log: Which): [bigint, bigint, Hash, Hash] {
  return log === 'log'
    ? [previous.treeSize, next.treeSize, previous.logRoot, next.logRoot]
    : [previous.mhTreeSize, next.mhTreeSize, previous.mhRoot, next.mhRoot];
}

/** Rollbacks and forks first: they need no proof and make the strongest evidence. */
function checkSizes(previous: VerifiedHead, next: VerifiedHead, log: Which): void {
  const [size1, size2, root1, root2] = sizesAndRoots(previous, next, log);
  if (size2 < size1) throw new RollbackError({ previous, next, log });
  if (size1 === size2 && !equalBytes(root1, root2)) throw new ForkError({ previous, next, log });
}

function checkProof(previous: VerifiedHead, next: VerifiedHead, log: Which, proof: readonly Uint8Array[] | undefined): void {
  const [size1, size2, root1, root2] = sizesAndRoots(previous, next, log);
  if (size1 === size2 || proof === undefined) return;
  try {
    verifyConsistency(size1, size2, proof, root1, root2);
  } catch (e) {
    if (!isProofError(e)) throw e;
    throw new InconsistentHeadError({ previous, next, log, proof }, e);
  }
}

/** `next` if it extends `previous`; otherwise a MisbehaviourError carrying both heads. */
export function advanceHead(previous: VerifiedHead, next: VerifiedHead, proofs: HeadProofs): VerifiedHead {
  checkSizes(previous, next, 'log');
  checkSizes(previous, next, 'map-head-log');
  if (previous.treeSize === next.treeSize) {
    if (!sameHead(previous, next)) throw new ForkError({ previous, next, log: 'log' });
    return previous;
  }
  checkProof(previous, next, 'log', proofs.log);
  checkProof(previous, next, 'map-head-log', proofs.mapHeadLog);
  return next;
}
