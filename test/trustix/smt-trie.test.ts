// The map as an immutable trie (smt-trie.ts) against the in-memory map of smt-tree.ts:
// the same roots after every batch, the same proofs of presence and absence byte for
// byte, smt.json's roots, and older roots untouched by later inserts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256, toHex } from '../../src/merkle/index.ts';
import {
  PLACEHOLDER, SparseCompactMerkleProof, buildMap, buildTrie, comparePaths, encodeJson, findLeaf, insertLeaves, proveTrie, trieRoot,
  verifyMapAbsence, verifyMapValue,
} from '../../src/trustix/index.ts';
import type { Trie, TrieLeaf } from '../../src/trustix/index.ts';
import { b64, loadVectors, utf8 } from '../merkle/data.ts';

interface Item { key: Uint8Array; value: Uint8Array }
type Leaf = TrieLeaf & { readonly n: number };
const item = (i: number): Item => ({ key: utf8(`/nix/store/${i.toString(36).padStart(32, '0')}-p${i}`), value: utf8(`{"Digest":"${i}","Index":${i}}`) });
const leafOf = (it: Item, n = 0): Leaf => ({ path: sha256(it.key), valueHash: sha256(it.value), n });
const proofJson = (p: SparseCompactMerkleProof): string => encodeJson(SparseCompactMerkleProof, p);

test('smt trie: smt.json roots after each insert, one at a time and all at once', () => {
  const V = loadVectors<{ empty_root: string; inserts_in_order: Array<{ key_utf8: string; value_b64: string; root_after: string }> }>('smt.json');
  let t: Trie<Leaf> = undefined;
  assert.equal(toHex(trieRoot(t)), V.empty_root);
  const all = V.inserts_in_order.map((e) => leafOf({ key: utf8(e.key_utf8), value: b64(e.value_b64) }));
  all.forEach((l, i) => {
    t = insertLeaves(t, [l]);
    assert.equal(toHex(trieRoot(t)), V.inserts_in_order[i]!.root_after, `after insert ${i}`);
  });
  assert.equal(toHex(trieRoot(insertLeaves(undefined, all))), V.inserts_in_order.at(-1)!.root_after);
  assert.equal(toHex(trieRoot(buildTrie([...all].sort(comparePaths)))), V.inserts_in_order.at(-1)!.root_after);
});

test('smt trie: roots and proofs equal smt-tree.ts after every batch, for present and absent keys, and old roots stay as they were', () => {
  const sizes = [1, 1, 2, 7, 30, 100, 3, 250];
  let t: Trie<Leaf> = undefined;
  const versions: Array<{ t: Trie<Leaf>; items: Item[] }> = [{ t, items: [] }];
  let next = 0;
  for (const size of sizes) {
    const batch = Array.from({ length: size }, () => item(next++));
    t = insertLeaves(t, batch.map((b, i) => leafOf(b, next - size + i)));
    versions.push({ t, items: [...versions.at(-1)!.items, ...batch] });
  }
  versions.forEach(({ t: v, items }, n) => {
    const mem = buildMap(items);
    assert.equal(toHex(trieRoot(v)), toHex(mem.root), `root of version ${n}`);
    for (const probe of [...items.filter((_, i) => i % 7 === 0 || i === items.length - 1), item(100_000 + n), item(items.length)]) {
      const present = items.includes(probe);
      const got = proveTrie(v, sha256(probe.key));
      assert.equal(proofJson(got.proof), proofJson(mem.prove(probe.key)), `proof at version ${n}`);
      if (present) {
        assert.equal(toHex(got.leaf!.valueHash), toHex(sha256(probe.value)));
        assert.equal(findLeaf(v, sha256(probe.key)), got.leaf);
        verifyMapValue(trieRoot(v), probe.key, probe.value, got.proof);
      } else {
        assert.equal(got.leaf, undefined);
        assert.equal(findLeaf(v, sha256(probe.key)), undefined);
        verifyMapAbsence(trieRoot(v), probe.key, got.proof);
      }
    }
  });
  const all = versions.at(-1)!.items.map((it, i) => leafOf(it, i)).sort(comparePaths);
  assert.equal(toHex(trieRoot(buildTrie(all))), toHex(trieRoot(t)), 'built at once = inserted in batches');
});

test('smt trie: the empty map and a single key', () => {
  assert.equal(trieRoot(undefined), PLACEHOLDER);
  assert.equal(proofJson(proveTrie(undefined, sha256(utf8('x'))).proof), proofJson(buildMap([]).prove(utf8('x'))));
  const one = insertLeaves(undefined, [leafOf(item(1))]);
  assert.equal(toHex(trieRoot(one)), toHex(buildMap([item(1)]).root));
  assert.equal(proveTrie(one, sha256(item(1).key)).proof.NumSideNodes, 0n);
  verifyMapAbsence(trieRoot(one), item(2).key, proveTrie(one, sha256(item(2).key)).proof);
});

test('smt trie: a path the map holds is refused, in an earlier batch or the same one', () => {
  const t = insertLeaves(undefined, [leafOf(item(1)), leafOf(item(2))]);
  assert.throws(() => insertLeaves(t, [leafOf(item(2))]), /holds path/);
  assert.throws(() => insertLeaves(undefined, [leafOf(item(3)), leafOf(item(3))]), /one path/);
});
