/**
 * Errors raised by the pure Trustix modules, each with a stable `code`.
 *
 *   malformed             bytes that do not decode: a wire message, a MapEntry, a value, a key
 *   bad-head-signature    a signed head whose Ed25519 signature does not verify with the log's key
 *   value-digest-mismatch a value whose SHA-256 is not the digest the map or log committed to
 *   value-path-mismatch   a value that describes another store path than the key it was stored under
 *   bad-log-leaf          a log leaf that does not commit to the key and digest it should
 *   log-id-mismatch       a log advertised under an ID, protocol or key that is not the configured one
 *   unknown-protocol      a protocol that is neither a known name nor a known UUID
 *   bad-token             a Trustix-Token header that no configured write token signed for this procedure
 *
 * Proof failures are merkle's ProofShapeError / RootMismatchError (codes
 * bad-inclusion-proof, bad-consistency-proof, bad-map-proof); misbehaviour that
 * comes with evidence is in misbehaviour.ts. Example:
 *
 *   new TrustixError('malformed', 'trustix_schema.v1.LogHead: required field TreeSize not set')
 */

const TAG = Symbol.for('trustix-vote.TrustixError');

export type TrustixFault =
  | 'malformed' | 'bad-head-signature' | 'value-digest-mismatch' | 'value-path-mismatch' | 'bad-log-leaf'
  | 'log-id-mismatch' | 'unknown-protocol' | 'bad-token' | 'rollback' | 'fork' | 'inconsistent-head';

export class TrustixError extends Error {
  readonly code: TrustixFault;

  constructor(code: TrustixFault, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TrustixError';
    this.code = code;
  }

  static {
    Object.defineProperty(this.prototype, TAG, { value: true });
  }
}

export function isTrustixError(e: unknown): e is TrustixError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[TAG] === true;
}

export function malformed(message: string, cause?: unknown): TrustixError {
  return new TrustixError('malformed', message, cause === undefined ? undefined : { cause });
}
