/** Asserts that `f` throws a TrustixError with this code; returns it for further checks. */
import assert from 'node:assert/strict';
import { TrustixError } from '../../src/trustix/index.ts';

export function trustixErrorOf<E extends TrustixError = TrustixError>(f: () => unknown, code: string, cls: abstract new (...a: never[]) => E = TrustixError as never): E {
  let caught: E | undefined;
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as TrustixError).code, code, (e as Error).message);
    caught = e as E;
    return true;
  });
  return caught as E;
}

export async function rejectsWith<E extends TrustixError = TrustixError>(p: Promise<unknown>, code: string, cls: abstract new (...a: never[]) => E = TrustixError as never): Promise<E> {
  let caught: E | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as TrustixError).code, code, (e as Error).message);
    caught = e as E;
    return true;
  });
  return caught as E;
}
