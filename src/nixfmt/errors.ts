/**
 * Errors raised by the pure Nix format parsers.
 *
 * Every parser in src/nixfmt throws a NixFormatError with a stable `code`
 * (e.g. "narinfo-missing-field", "store-path-bad-hash") so that callers and
 * tests branch on the code, never on the message. Example:
 *
 *   new NixFormatError('narinfo-missing-field', 'narinfo has no NarHash', { field: 'NarHash' })
 *
 * The class is tagged with a registry symbol so `isNixFormatError` works even
 * when two copies of this module are loaded (cf. execa's final-error.js).
 */

const TAG = Symbol.for('trustix-vote.NixFormatError');

export class NixFormatError extends Error {
  readonly code: string;
  /** The narinfo / nix-cache-info / JSON field at fault, when there is one. */
  readonly field?: string;

  constructor(code: string, message: string, options?: { cause?: unknown; field?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NixFormatError';
    this.code = code;
    if (options?.field !== undefined) this.field = options.field;
  }

  static {
    Object.defineProperty(this.prototype, TAG, { value: true });
  }
}

export function isNixFormatError(e: unknown): e is NixFormatError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[TAG] === true;
}
