/** Asserts that `f` throws a NixFormatError with this code (and field). */
import assert from 'node:assert/strict';
import { NixFormatError } from '../../src/nixfmt/index.ts';

export function throwsCode(f: () => unknown, code: string, field?: string): void {
  formatErrorOf(f, code, field);
}

/** Like throwsCode, and returns the error for further checks. */
export function formatErrorOf(f: () => unknown, code: string, field?: string): NixFormatError {
  let caught: NixFormatError | undefined;
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof NixFormatError, `expected NixFormatError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (field !== undefined) assert.equal(e.field, field);
    caught = e;
    return true;
  });
  return caught as NixFormatError;
}
