// Leaf and node hashing against vlog.json (generated from Trustix's internal/log).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_ROOT, asHash, leafHash, nodeHash, rootFromLeafHashes, sha256, toHex } from '../../src/merkle/index.ts';
import type { Hash } from '../../src/merkle/index.ts';
import { hex, loadVectors, utf8 } from './data.ts';

interface Vlog {
  leaves: Array<{ index: number; data_utf8: string; data_hex: string; leaf_hash: string }>;
  roots: Array<{ size: number; root: string; rfc6962_mth?: string; rfc6962_mth_equal?: boolean }>;
  nil_vs_empty_leaf_quirk: { append_nil_leaf_hash: string; append_empty_leaf_hash: string };
  upstream_unit_test_roots: Array<{ append_utf8: string; root_after: string }>;
}
const V = loadVectors<Vlog>('vlog.json');

test('vlog leaves: leafHash = SHA-256(0x00 || data)', () => {
  assert.equal(V.leaves.length, 20);
  for (const l of V.leaves) {
    assert.deepEqual(hex(l.data_hex), utf8(l.data_utf8));
    assert.equal(toHex(leafHash(hex(l.data_hex))), l.leaf_hash, `leaf ${l.index}`);
  }
});

test('vlog roots: MTH of the first n leaves for n = 0..20', () => {
  const leaves = V.leaves.map((l) => leafHash(hex(l.data_hex)));
  assert.equal(V.roots.length, 21);
  for (const r of V.roots) {
    assert.equal(toHex(rootFromLeafHashes(leaves.slice(0, r.size))), r.root, `size ${r.size}`);
    if (r.rfc6962_mth !== undefined) assert.equal(r.rfc6962_mth, r.root);
    if (r.rfc6962_mth_equal !== undefined) assert.equal(r.rfc6962_mth_equal, true);
  }
});

test('the empty tree: SHA-256 of nothing, which no leaf can hash to', () => {
  const q = V.nil_vs_empty_leaf_quirk;
  assert.equal(toHex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(toHex(rootFromLeafHashes([])), toHex(EMPTY_ROOT));
  // Trustix's Append(nil) hashes no prefix and gives the empty root as a leaf; we have no nil.
  assert.equal(q.append_nil_leaf_hash, toHex(EMPTY_ROOT));
  assert.equal(toHex(leafHash(new Uint8Array())), q.append_empty_leaf_hash);
});

test('upstream unit-test roots: appending "", "a", "b", … one after another', () => {
  const leaves: Hash[] = [];
  for (const step of V.upstream_unit_test_roots) {
    leaves.push(leafHash(utf8(step.append_utf8)));
    assert.equal(toHex(rootFromLeafHashes(leaves)), step.root_after, `after ${JSON.stringify(step.append_utf8)}`);
  }
});

test('nodeHash is SHA-256(0x01 || left || right); asHash takes exactly 32 bytes', () => {
  const a = leafHash(utf8('a'));
  const b = leafHash(utf8('b'));
  assert.deepEqual(nodeHash(a, b), sha256(Uint8Array.of(1), a, b));
  assert.deepEqual(rootFromLeafHashes([a, b]), nodeHash(a, b));
  assert.throws(() => asHash(new Uint8Array(31)), RangeError);
  assert.throws(() => asHash(new Uint8Array(33)), RangeError);
  assert.equal(asHash(new Uint8Array(32)).length, 32);
});
