/** Narinfos sent compressed: decoded as Nix decodes them, with the size limit on the decoded bytes. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeBody } from '../../src/host/decode.ts';
import { NetError } from '../../src/ops.ts';

const data = (f: string) => readFileSync(new URL(`../data/zstd/${f}`, import.meta.url));
const text = data('narinfo.txt');
const MiB = 1024 * 1024;
const failure = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof NetError, String(e));
    return `${e.failure}: ${e.message}`;
  }
  return 'no error';
};

describe('decodeBody', () => {
  it('decodes gzip, deflate, br and zstd to the same text, and passes identity through', () => {
    for (const [enc, body] of [['gzip', gzipSync(text)], ['x-gzip', gzipSync(text)], ['deflate', deflateSync(text)], ['br', brotliCompressSync(text)], ['zstd', data('narinfo.txt.zst')], ['identity', text], [null, text]] as const) {
      assert.deepEqual(Buffer.from(decodeBody(enc, body, MiB)), text, String(enc));
    }
  });

  it('stops a bomb at the limit on the decoded bytes', () => {
    const zeros = Buffer.alloc(2_000_000);
    for (const [enc, body] of [['gzip', gzipSync(zeros)], ['br', brotliCompressSync(zeros)], ['deflate', deflateSync(zeros)], ['zstd', data('bomb-2MB.zst')]] as const) {
      assert.ok(body.length < 10_000, `${enc} is a small body`);
      assert.equal(failure(() => decodeBody(enc, body, MiB)), `too-large: response body is over ${MiB} bytes once decoded`, enc);
    }
  });

  it('refuses a zstd frame that asks for a huge window before allocating it', () => {
    assert.equal(failure(() => decodeBody('zstd', data('wide-window-head.zst'), MiB)), 'other: malformed zstd body: a window over 8 MiB for a small body');
  });

  it('says what it cannot decode', () => {
    assert.match(failure(() => decodeBody('xz', text, MiB)), /^other: a Content-Encoding this client cannot decode: xz$/);
    assert.match(failure(() => decodeBody('gzip', text, MiB)), /^other: cannot decode its gzip Content-Encoding/);
    assert.match(failure(() => decodeBody('zstd', text, MiB)), /^other: malformed zstd body: not a zstd frame$/);
  });
});
