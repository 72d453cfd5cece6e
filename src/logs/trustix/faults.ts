/**
 * What each failure of a Trustix lookup is, as a fault kind, with the step that failed
 * named in its reason:
 *
 *   rollback             the log's head is smaller than one verified before
 *   equivocation         two different signed heads for one size (a fork)
 *   inconsistent-head    a bigger head not proven to extend the earlier one (a rewritten history)
 *   bad-head-signature   a head the log's key did not sign
 *   bad-inclusion-proof  a map proof (of presence or absence) that does not lead to the head's map root
 *   value-digest-mismatch  a value whose SHA-256 is not the digest the map holds for the path
 *   wrong-path           a value describing another store path than the one asked
 *   malformed            bytes that do not decode (a message, a MapEntry, a value)
 *
 * Network trouble and HTTP errors are not decided here: they go back to ../limits.ts,
 * which retries, tracks a log that is down and names them (timeout, http-status, …).
 * Example: fault('bad-inclusion-proof', 'map proof for /nix/store/…-hello: root mismatch: …').
 */
import { fault, type Fault, type FaultKind } from '../../claims.ts';
import { isProofError } from '../../merkle/index.ts';
import { ConnectCallError } from '../../trustix/client.ts';
import { isMisbehaviourError, isTrustixError } from '../../trustix/index.ts';
import { HttpStatusError } from '../limits.ts';

/** A lookup that ended in a fault with this answer; thrown inside the kind, returned as the answer. */
export class StepFault extends Error {
  constructor(readonly answer: Fault, options?: { cause?: unknown }) {
    super(answer.reason, options);
    this.name = 'StepFault';
  }
}

/** A Connect error as ../limits.ts knows HTTP errors (5xx and 429 are tried again), with the server's words. */
export class ConnectStatusError extends HttpStatusError {
  constructor(e: ConnectCallError) {
    super(e.status);
    this.message = e.message;
    this.cause = e;
  }
}

const TRUSTIX_KINDS: Readonly<Record<string, FaultKind>> = {
  'rollback': 'rollback',
  'fork': 'equivocation',
  'inconsistent-head': 'inconsistent-head',
  'bad-head-signature': 'bad-head-signature',
  'value-digest-mismatch': 'value-digest-mismatch',
  'value-path-mismatch': 'wrong-path',
  'bad-log-leaf': 'bad-inclusion-proof',
};

const PROOF_KINDS: Readonly<Record<string, FaultKind>> = {
  'bad-map-proof': 'bad-inclusion-proof',
  'bad-inclusion-proof': 'bad-inclusion-proof',
  'bad-consistency-proof': 'bad-consistency-proof',
};

/** The fault for what a step threw, or undefined when it is for ../limits.ts (network, HTTP, a bug). */
export function faultOfStep(step: string, e: unknown): Fault | undefined {
  if (e instanceof StepFault) return e.answer;
  if (isMisbehaviourError(e) || isTrustixError(e)) return fault(TRUSTIX_KINDS[e.code] ?? 'malformed', `${step}: ${e.message}`);
  if (isProofError(e)) return fault(PROOF_KINDS[e.code] ?? 'bad-inclusion-proof', `${step}: ${e.message}`);
  return undefined;
}

/** Runs one step; a verification failure becomes a StepFault naming it, a Connect error one limits.ts knows. */
export async function step<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof ConnectCallError) throw new ConnectStatusError(e);
    const answer = faultOfStep(name, e);
    if (answer !== undefined) throw new StepFault(answer, { cause: e });
    throw e;
  }
}
