/**
 * libsodium (sodium-native) signs and verifies exactly as node:crypto and Nix do:
 * the Sig lines Nix 2.8 wrote verify, every corruption is refused, and a signature
 * made here is byte for byte the one node:crypto makes (ed25519 is deterministic).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { loadEd25519 } from '../../src/host/ed25519.ts';
import { decodeBase64, fingerprint, parseNarInfo, parsePublicKey, parseSecretKey, signFingerprint } from '../../src/nixfmt/index.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const TOP = parseNarInfo(read('cache/2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo'));
const FP = Buffer.from(fingerprint(TOP));
const A = parsePublicKey(read('a.pub'));
const B = parsePublicKey(read('b.pub'));
const sigOf = (name: string) => decodeBase64(TOP.sigs.find((s) => s.startsWith(`${name}:`))!.slice(name.length + 1));
const ed = loadEd25519();

describe('ed25519', () => {
  it('loads libsodium here (the prebuilt addon ships for linux-x64)', () => {
    assert.equal(ed.library, 'libsodium');
  });

  it('verifies the signatures Nix wrote, and refuses every corruption', async () => {
    const good = sigOf('nixfmt-test-1');
    assert.equal(await ed.verify(FP, good, A), true);
    assert.equal(await ed.verify(FP, sigOf('nixfmt-test-2'), B), true);
    assert.equal(await ed.verify(FP, good, B), false, 'another key');
    assert.equal(await ed.verify(Buffer.from(`${FP.toString()}x`), good, A), false, 'another message');
    for (const byte of [0, 31, 32, 63]) {
      const bad = Buffer.from(good);
      bad[byte]! ^= 1;
      assert.equal(await ed.verify(FP, bad, A), false, `bit flipped in byte ${byte}`);
    }
    assert.equal(await ed.verify(FP, good.subarray(0, 63), A), false, 'a short signature');
    assert.equal(await ed.verify(FP, new Uint8Array(64), A), false, 'all zeros');
  });

  it('signs exactly as node:crypto does', () => {
    for (const file of ['a.sec', 'b.sec']) {
      const key = parseSecretKey(read(file));
      for (const fp of [fingerprint(TOP), '1;/nix/store/x;sha256:0;1;', 'ünïcode']) {
        assert.equal(ed.sign(fp, key), signFingerprint(fp, key));
      }
    }
  });
});
