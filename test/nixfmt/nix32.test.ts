// nix32 against bytes that real Nix 2.8 wrote (test/data/nix-2.8): the same
// NAR hash appears as nix32 in a narinfo and as SRI base64 in path-info JSON,
// and each NAR file is named after the nix32 sha256 of its bytes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { decodeNix32, encodeNix32, nix32Length } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);


test('nix32 of a recorded NarHash equals the SRI base64 of the same hash in path-info.json', () => {
  const pairs: Array<[string, string]> = [
    ['14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq', 'uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI='],
    ['08bknyn3w8nwxfdiva4zb7whs9yawsf6ws7vzrr6dxswn5lglp27', 'R1z6aLFc92Zy/vtobpzmyicN+VmfqB2b69wiPqy3cyE='],
  ];
  const pathInfo = readFileSync(new URL('path-info.json', DATA), 'utf8');
  for (const [nix32, b64] of pairs) {
    assert.ok(pathInfo.includes(`sha256-${b64}`), 'fixture holds the SRI form');
    assert.deepEqual(decodeNix32(nix32), new Uint8Array(Buffer.from(b64, 'base64')));
    assert.equal(encodeNix32(new Uint8Array(Buffer.from(b64, 'base64'))), nix32);
  }
});

test('each recorded NAR file is named after the nix32 sha256 of its bytes', () => {
  const dir = new URL('cache/nar/', DATA);
  const files = readdirSync(dir);
  assert.equal(files.length, 2);
  for (const f of files) {
    const digest = createHash('sha256').update(readFileSync(new URL(f, dir))).digest();
    assert.equal(`${encodeNix32(digest)}.nar.xz`, f);
  }
});

test('encode/decode round-trips every length 0..70', () => {
  let seed: Uint8Array = new Uint8Array(32);
  for (let len = 0; len <= 70; len++) {
    seed = createHash('sha256').update(seed).digest();
    const bytes = new Uint8Array(len).map((_, i) => seed[i % 32] as number ^ i);
    const s = encodeNix32(bytes);
    assert.equal(s.length, nix32Length(len));
    assert.match(s, /^[0-9a-df-np-sv-z]*$/);
    assert.deepEqual(decodeNix32(s), bytes);
  }
});

test('20 bytes give 32 chars and 32 bytes give 52 chars', () => {
  assert.equal(nix32Length(20), 32);
  assert.equal(nix32Length(32), 52);
  assert.equal(encodeNix32(new Uint8Array(20)), '0'.repeat(32));
  assert.equal(encodeNix32(new Uint8Array(32).fill(0xff)), '1' + 'z'.repeat(51));
});

const GOOD = '14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq';
const rejects: Array<{ desc: string; input: string; wantErr: string }> = [
  { desc: 'letter e (not in alphabet)', input: GOOD.slice(0, 10) + 'e' + GOOD.slice(11), wantErr: 'nix32-bad-char' },
  { desc: 'letter o', input: 'o' + GOOD.slice(1), wantErr: 'nix32-bad-char' },
  { desc: 'letter t', input: GOOD.slice(0, 51) + 't', wantErr: 'nix32-bad-char' },
  { desc: 'letter u', input: GOOD.slice(0, 20) + 'u' + GOOD.slice(21), wantErr: 'nix32-bad-char' },
  { desc: 'upper case', input: GOOD.toUpperCase(), wantErr: 'nix32-bad-char' },
  { desc: 'one char short (51)', input: GOOD.slice(1), wantErr: 'nix32-bad-length' },
  { desc: '54 chars (no byte length encodes to 54)', input: '00' + GOOD, wantErr: 'nix32-bad-length' },
  { desc: 'length 1', input: '0', wantErr: 'nix32-bad-length' },
  { desc: 'length 33', input: '0'.repeat(33), wantErr: 'nix32-bad-length' },
  { desc: 'top digit 2 overflows 32 bytes', input: '2' + GOOD.slice(1), wantErr: 'nix32-non-canonical' },
  { desc: 'top digit z overflows 32 bytes', input: 'z' + GOOD.slice(1), wantErr: 'nix32-non-canonical' },
];
for (const c of rejects) {
  test(`decodeNix32 rejects: ${c.desc}`, () => throwsCode(() => decodeNix32(c.input), c.wantErr));
}
