// nix.json map_entry_json: Go's exact MapEntry bytes (including indices past 2^53
// and 2^64-1) rebuilt and parsed; every other spelling is malformed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../src/merkle/index.ts';
import { encodeMapEntry, parseMapEntry } from '../../src/trustix/index.ts';
import { hex, loadVectors, toHex, utf8 } from '../merkle/data.ts';
import { trustixErrorOf } from './throws.ts';

interface Nix {
  map_entry_json: { cases: Array<{ Digest_hex: string | null; Index_decimal: string; json_utf8: string; json_hex: string; smt_value_hash_hex: string }> };
}
const V = loadVectors<Nix>('nix.json');

test('map_entry_json: encoded byte for byte, hashed, and parsed back (bigint index)', () => {
  assert.equal(V.map_entry_json.cases.length, 5);
  for (const c of V.map_entry_json.cases) {
    const digest = c.Digest_hex === null ? undefined : hex(c.Digest_hex);
    const bytes = encodeMapEntry(digest, BigInt(c.Index_decimal));
    assert.equal(toHex(bytes), c.json_hex);
    assert.deepEqual(bytes, utf8(c.json_utf8));
    assert.equal(toHex(sha256(bytes)), c.smt_value_hash_hex);
    if (digest === undefined) {
      trustixErrorOf(() => parseMapEntry(bytes), 'malformed');
    } else {
      const e = parseMapEntry(bytes);
      assert.equal(toHex(e.digest), c.Digest_hex);
      assert.equal(e.index.toString(), c.Index_decimal);
    }
  }
});

test('MapEntry corruption table: anything but Go\'s exact spelling is malformed', () => {
  const good = V.map_entry_json.cases[0]!.json_utf8;
  const d = JSON.parse(good) as { Digest: string };
  const bad = [
    good.replace(':', ': '), ` ${good}`, `${good}\n`, `${good}x`, good.slice(0, -1),
    `{"Index":0,"Digest":"${d.Digest}"}`, good.replace('"Index":0', '"Index":"0"'), good.replace('"Index":0', '"Index":-1'),
    good.replace('"Index":0', '"Index":00'), good.replace('"Index":0', '"Index":1e3'), good.replace('"Index":0', '"Index":0.0'),
    good.replace('"Index":0', '"Index":18446744073709551616'), good.replace('"Index":0', '"Index":123456789012345678901'),
    good.replace(d.Digest, d.Digest.slice(4)), good.replace(d.Digest, d.Digest.replace('=', 'A')),
    good.replace(d.Digest, `${d.Digest.slice(0, 42)}D=`), good.replace(d.Digest, d.Digest.replace(/\+/g, '-')),
    good.replace('}', ',"Extra":1}'), good.replace('Digest', 'digest'), '{}', '', 'null',
  ];
  for (const b of bad) trustixErrorOf(() => parseMapEntry(utf8(b)), 'malformed');
  trustixErrorOf(() => parseMapEntry(Uint8Array.of(...utf8(good).subarray(0, 12), 0xc3, ...utf8(good).subarray(13))), 'malformed');
  trustixErrorOf(() => encodeMapEntry(undefined, -1n), 'malformed');
  trustixErrorOf(() => encodeMapEntry(undefined, 1n << 64n), 'malformed');
});
