/**
 * Misbehaviour: a log signed heads that cannot both be true (golang/mod sumdb's
 * ErrSecurity). Unlike a timeout or a malformed answer, this is evidence against
 * the log, and the error carries all of it: both signed heads and the proof that
 * failed, so anyone can re-check it with the log's key and no further help from
 * the log. Codes:
 *
 *   rollback           the new head is smaller than one already verified
 *   fork               two different heads for the same tree size
 *   inconsistent-head  a bigger head that the log cannot prove extends the old one
 *
 * Example: previous {TreeSize 12, LogRoot f448…}, next {TreeSize 7, LogRoot 28e5…}
 * → RollbackError. evidenceJson renders the evidence for a journal.
 */

import { toHex } from '../merkle/index.ts';
import { TrustixError } from './errors.ts';
import { toWireHead } from './head.ts';
import type { SignedHead } from './head.ts';
import { encodeJson } from './wire-json.ts';
import { LogHead } from './wire-messages.ts';

export interface HeadEvidence {
  readonly previous: SignedHead;
  readonly next: SignedHead;
  /** Which log of the head the fault is in. */
  readonly log: 'log' | 'map-head-log';
  /** The consistency proof that was offered, when one was needed. */
  readonly proof?: readonly Uint8Array[];
}

const TAG = Symbol.for('trustix-vote.MisbehaviourError');

export class MisbehaviourError extends TrustixError {
  declare readonly code: 'rollback' | 'fork' | 'inconsistent-head';
  readonly evidence: HeadEvidence;

  constructor(code: 'rollback' | 'fork' | 'inconsistent-head', message: string, evidence: HeadEvidence, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'MisbehaviourError';
    this.evidence = evidence;
  }

  static {
    Object.defineProperty(this.prototype, TAG, { value: true });
  }
}

export class RollbackError extends MisbehaviourError {
  constructor(evidence: HeadEvidence) {
    const [a, b] = evidence.log === 'log' ? [evidence.previous.treeSize, evidence.next.treeSize] : [evidence.previous.mhTreeSize, evidence.next.mhTreeSize];
    super('rollback', `${evidence.log} went back from size ${a} to ${b}`, evidence);
    this.name = 'RollbackError';
  }
}

export class ForkError extends MisbehaviourError {
  constructor(evidence: HeadEvidence) {
    super('fork', `two different signed heads for ${evidence.log} size ${evidence.log === 'log' ? evidence.previous.treeSize : evidence.previous.mhTreeSize}`, evidence);
    this.name = 'ForkError';
  }
}

export class InconsistentHeadError extends MisbehaviourError {
  constructor(evidence: HeadEvidence, cause: unknown) {
    super('inconsistent-head', `${evidence.log} head of size ${evidence.next.treeSize} is not proven to extend size ${evidence.previous.treeSize}: ${(cause as Error).message}`, evidence, { cause });
    this.name = 'InconsistentHeadError';
  }
}

export function isMisbehaviourError(e: unknown): e is MisbehaviourError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[TAG] === true;
}

/** The evidence as plain JSON: heads in protojson (as the log served them), proof hashes in hex. */
export function evidenceJson(e: HeadEvidence): Record<string, unknown> {
  return {
    log: e.log,
    previous: JSON.parse(encodeJson(LogHead, toWireHead(e.previous))) as unknown,
    next: JSON.parse(encodeJson(LogHead, toWireHead(e.next))) as unknown,
    ...(e.proof === undefined ? {} : { proof: e.proof.map(toHex) }),
  };
}
