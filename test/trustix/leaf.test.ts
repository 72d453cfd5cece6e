// Log leaves: vlog.json's AppendKV example, e2e_log.json's main-log and map-head-log
// leaves, and a corruption table for checkLogLeaf.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../src/merkle/index.ts';
import { TrustixError, checkLogLeaf, kvLeafHash, mapHeadLeafHash } from '../../src/trustix/index.ts';
import type { LogLeaf } from '../../src/trustix/index.ts';
import { flip, hex, loadVectors, toHex, utf8 } from '../merkle/data.ts';
import { trustixErrorOf } from './throws.ts';

interface Vlog { kv_leaf_example: { key_utf8: string; key_hex: string; value_utf8: string; value_hex: string; value_digest: string; leaf_hash: string } }
interface E2e {
  heads: Array<{ head: { MapRoot_hex: string } }>;
  log_entries_0_to_size_minus_1: Array<{ index: number; Key_utf8: string; ValueDigest_hex: string; LeafDigest_hex: string; leaf_digest_recomputed_ok: boolean }>;
  mh_log_entries: Array<{ index: number; LeafDigest_hex: string; equals_sha256_00_maproot: boolean }>;
}
const VLOG = loadVectors<Vlog>('vlog.json');
const E2E = loadVectors<E2e>('e2e_log.json');

test('vlog kv_leaf_example: SHA-256(0x00 || key || ":" || SHA-256(value))', () => {
  const x = VLOG.kv_leaf_example;
  assert.deepEqual(hex(x.key_hex), utf8(x.key_utf8));
  assert.deepEqual(hex(x.value_hex), utf8(x.value_utf8));
  assert.equal(toHex(sha256(hex(x.value_hex))), x.value_digest);
  assert.equal(toHex(kvLeafHash(hex(x.key_hex), hex(x.value_digest))), x.leaf_hash);
});

test('e2e log entries: each leaf commits to its key and value digest', () => {
  assert.equal(E2E.log_entries_0_to_size_minus_1.length, 12);
  for (const l of E2E.log_entries_0_to_size_minus_1) {
    assert.ok(l.leaf_digest_recomputed_ok);
    const leaf: LogLeaf = { Key: utf8(l.Key_utf8), ValueDigest: hex(l.ValueDigest_hex), LeafDigest: hex(l.LeafDigest_hex) };
    assert.equal(toHex(checkLogLeaf(leaf, utf8(l.Key_utf8), hex(l.ValueDigest_hex))), l.LeafDigest_hex, `leaf ${l.index}`);
  }
});

test('e2e map-head log entries: leaf i is SHA-256(0x00 || MapRoot of head i)', () => {
  assert.equal(E2E.mh_log_entries.length, E2E.heads.length);
  E2E.mh_log_entries.forEach((l, i) => {
    assert.ok(l.equals_sha256_00_maproot);
    assert.equal(toHex(mapHeadLeafHash(hex(E2E.heads[i]!.head.MapRoot_hex))), l.LeafDigest_hex);
  });
});

test('checkLogLeaf corruption table: every probe is a bad-log-leaf', () => {
  const l = E2E.log_entries_0_to_size_minus_1[3]!;
  const key = utf8(l.Key_utf8);
  const digest = hex(l.ValueDigest_hex);
  const good: LogLeaf = { Key: key, ValueDigest: digest, LeafDigest: hex(l.LeafDigest_hex) };
  const other = E2E.log_entries_0_to_size_minus_1[4]!;
  const probes: Array<[string, LogLeaf]> = [
    ['Key absent (a map-head-log leaf)', { ValueDigest: digest, LeafDigest: good.LeafDigest }],
    ['ValueDigest absent', { Key: key, LeafDigest: good.LeafDigest }],
    ['another key', { ...good, Key: utf8(other.Key_utf8) }],
    ['Key with a trailing byte', { ...good, Key: utf8(`${l.Key_utf8}x`) }],
    ['another digest', { ...good, ValueDigest: hex(other.ValueDigest_hex) }],
    ['LeafDigest bit flipped', { ...good, LeafDigest: flip(good.LeafDigest) }],
    ['LeafDigest of the next leaf', { ...good, LeafDigest: hex(other.LeafDigest_hex) }],
    ['LeafDigest of 31 bytes', { ...good, LeafDigest: good.LeafDigest.subarray(1) }],
    ['another leaf altogether', { Key: utf8(other.Key_utf8), ValueDigest: hex(other.ValueDigest_hex), LeafDigest: hex(other.LeafDigest_hex) }],
  ];
  for (const [desc, leaf] of probes) {
    assert.throws(() => checkLogLeaf(leaf, key, digest), (e: unknown) => e instanceof TrustixError && e.code === 'bad-log-leaf', desc);
  }
  trustixErrorOf(() => checkLogLeaf(good, key, flip(digest)), 'bad-log-leaf');
});
