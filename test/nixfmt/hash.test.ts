// NarHash canonicalisation: Nix 2.8 wrote the same hash as "sha256:<nix32>" in
// the narinfo and as SRI in path-info JSON (test/data/nix-2.8); both, and the
// hex and base64 spellings Nix also accepts, must give one canonical NarHash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeBase64, formatHash, narHashBytes, narHashFromBytes, narHashToSri, parseHash, parseNarHash,
} from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';


// nixfmt-top, recorded: narinfo NarHash and path-info narHash.
const NIX32 = 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq';
const SRI = 'sha256-uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI=';
const BYTES = Buffer.from('uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI=', 'base64');
const HEX = BYTES.toString('hex');

test('all four spellings of one sha256 give the canonical nix32 NarHash', () => {
  for (const s of [NIX32, SRI, `sha256:${HEX}`, `sha256:${HEX.toUpperCase()}`, `sha256:${BYTES.toString('base64')}`]) {
    assert.equal(parseNarHash(s), NIX32, s);
  }
});

test('bytes and SRI conversions', () => {
  const h = parseNarHash(NIX32);
  assert.deepEqual(narHashBytes(h), new Uint8Array(BYTES));
  assert.equal(narHashToSri(h), SRI);
  assert.equal(narHashFromBytes(new Uint8Array(BYTES)), NIX32);
  throwsCode(() => narHashFromBytes(new Uint8Array(31)), 'hash-invalid');
});

test('parseHash knows md5/sha1/sha512 and formats them as nix32', () => {
  const sha1 = parseHash(`sha1:${'ab'.repeat(20)}`);
  assert.equal(sha1.algo, 'sha1');
  assert.equal(sha1.bytes.length, 20);
  assert.equal(formatHash(sha1).length, 'sha1:'.length + 32);
  assert.equal(parseHash(`md5:${'00'.repeat(16)}`).bytes.length, 16);
  const sri512 = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
  assert.deepEqual(parseHash(formatHash(parseHash(sri512))), parseHash(sri512));
});

const bad: Array<{ desc: string; input: string }> = [
  { desc: 'empty', input: '' },
  { desc: 'no algorithm', input: NIX32.slice('sha256:'.length) },
  { desc: 'unknown algorithm', input: `sha3:${HEX}` },
  { desc: 'upper-case algorithm', input: `SHA256:${HEX}` },
  { desc: 'md5 as NarHash', input: `md5:${'00'.repeat(16)}` },
  { desc: 'sha1 as NarHash', input: `sha1:${'00'.repeat(20)}` },
  { desc: 'sha512 as NarHash', input: `sha512-${Buffer.alloc(64).toString('base64')}` },
  { desc: 'nix32 one char short', input: NIX32.slice(0, -1) },
  { desc: 'nix32 with e', input: NIX32.slice(0, -1) + 'e' },
  { desc: 'nix32 non-canonical top digit', input: `sha256:z${NIX32.slice('sha256:'.length + 1)}` },
  { desc: 'hex one byte short', input: `sha256:${HEX.slice(2)}` },
  { desc: 'hex with g', input: `sha256:${HEX.slice(1)}g` },
  { desc: 'SRI without padding', input: SRI.slice(0, -1) },
  { desc: 'SRI with hex digest', input: `sha256-${HEX}` },
  { desc: 'SRI with nix32 digest', input: `sha256-${NIX32.slice('sha256:'.length)}` },
  { desc: 'SRI url-safe base64', input: 'sha256-R1z6aLFc92Zy_vtobpzmyicN-VmfqB2b69wiPqy3cyE=' },
  { desc: 'base64 with non-zero trailing bits', input: SRI.slice(0, -2) + 'J=' },
  { desc: 'trailing newline', input: `${NIX32}\n` },
  { desc: 'leading space', input: ` ${NIX32}` },
];
for (const c of bad) {
  test(`parseNarHash rejects: ${c.desc}`, () => throwsCode(() => parseNarHash(c.input), 'hash-invalid'));
}

test('decodeBase64 is strict where Buffer is lenient', () => {
  assert.deepEqual(decodeBase64('AAEC'), new Uint8Array([0, 1, 2]));
  assert.deepEqual(decodeBase64(''), new Uint8Array(0));
  for (const s of ['AAE', 'AA\nEC', 'AA EC', 'AAE=C', '====', 'AB==', '_-8=']) {
    throwsCode(() => decodeBase64(s), 'base64-invalid');
  }
});
