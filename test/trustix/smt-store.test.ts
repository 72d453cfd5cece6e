// The map kept node by node (smt-store.ts) against the in-memory map of smt-tree.ts:
// the same roots after every batch, the same proofs of presence and absence byte for
// byte, smt.json's roots, and older maps read back through versioned rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256, toHex } from '../../src/merkle/index.ts';
import type { Hash } from '../../src/merkle/index.ts';
import {
  PLACEHOLDER, SparseCompactMerkleProof, buildMap, encodeJson, positionPrefix, smtInsert, smtProve, smtRoot, verifyMapAbsence,
  verifyMapValue,
} from '../../src/trustix/index.ts';
import type { SmtNode, SmtReader } from '../../src/trustix/index.ts';
import { b64, loadVectors, utf8 } from '../merkle/data.ts';

/** Versioned rows in a Map, as the database keeps them: each write is a new row under the batch's version. */
class VersionedMap {
  private readonly rows = new Map<string, Array<{ version: number; node: SmtNode }>>();
  version = 0;

  at(version: number): SmtReader {
    return (depth, prefix) => {
      const list = this.rows.get(`${depth}:${toHex(prefix)}`) ?? [];
      let best: SmtNode | undefined;
      for (const r of list) if (r.version <= version) best = r.node;
      return best;
    };
  }

  insert(items: ReadonlyArray<{ key: Uint8Array; value: Uint8Array }>): Hash {
    const { root, writes } = smtInsert(items.map((i) => ({ path: sha256(i.key), valueHash: sha256(i.value) })), this.at(this.version));
    this.version += 1;
    for (const w of writes) {
      assert.deepEqual(w.prefix, positionPrefix(w.prefix.length === 0 ? new Uint8Array(32) : Uint8Array.from([...w.prefix, ...new Uint8Array(32 - w.prefix.length)]), w.depth));
      const k = `${w.depth}:${toHex(w.prefix)}`;
      this.rows.set(k, [...(this.rows.get(k) ?? []), { version: this.version, node: w.node }]);
    }
    assert.equal(toHex(smtRoot(this.at(this.version))), toHex(root));
    return root;
  }

  get rowCount(): number {
    return [...this.rows.values()].reduce((n, l) => n + l.length, 0);
  }
}

const item = (i: number) => ({ key: utf8(`/nix/store/${i.toString(36).padStart(32, '0')}-p${i}`), value: utf8(`{"Digest":"${i}","Index":${i}}`) });
const proofJson = (p: SparseCompactMerkleProof): string => encodeJson(SparseCompactMerkleProof, p);

test('smt store: smt.json roots after each insert, one insert per version', () => {
  const V = loadVectors<{ empty_root: string; inserts_in_order: Array<{ key_utf8: string; value_b64: string; root_after: string }> }>('smt.json');
  const m = new VersionedMap();
  assert.equal(toHex(smtRoot(m.at(0))), V.empty_root);
  for (const e of V.inserts_in_order) assert.equal(toHex(m.insert([{ key: utf8(e.key_utf8), value: b64(e.value_b64) }])), e.root_after);
  const all = V.inserts_in_order.map((e) => ({ key: utf8(e.key_utf8), value: b64(e.value_b64) }));
  const n = new VersionedMap();
  assert.equal(toHex(n.insert(all)), V.inserts_in_order.at(-1)!.root_after, 'all 16 in one batch');
});

test('smt store: roots and proofs equal smt-tree.ts after every batch, for present and absent keys, at every version', () => {
  const m = new VersionedMap();
  const batches = [1, 1, 2, 7, 30, 100, 3, 250].map((size, b, sizes) => {
    const start = sizes.slice(0, b).reduce((x, y) => x + y, 0);
    return Array.from({ length: size }, (_, i) => item(start + i));
  });
  const roots: Hash[] = [PLACEHOLDER];
  for (const batch of batches) roots.push(m.insert(batch));
  let seen: ReturnType<typeof item>[] = [];
  batches.forEach((batch, b) => {
    seen = [...seen, ...batch];
    const version = b + 1;
    const mem = buildMap(seen);
    assert.equal(toHex(roots[version]!), toHex(mem.root), `root of version ${version}`);
    const read = m.at(version);
    for (const probe of [...seen.filter((_, i) => i % 7 === 0 || i === seen.length - 1), item(100_000 + b), item(seen.length)]) {
      const present = seen.includes(probe);
      const got = smtProve(sha256(probe.key), read);
      assert.equal(proofJson(got.proof), proofJson(mem.prove(probe.key)), `proof at version ${version}`);
      if (present) {
        assert.equal(toHex(got.leaf!.valueHash), toHex(sha256(probe.value)));
        verifyMapValue(roots[version]!, probe.key, probe.value, got.proof);
      } else {
        assert.equal(got.leaf, undefined);
        verifyMapAbsence(roots[version]!, probe.key, got.proof);
      }
    }
  });
  const keys = batches.flat().length;
  assert.ok(m.rowCount < keys * 20, `${m.rowCount} rows for ${keys} keys`);
});

test('smt store: the empty map and a single key', () => {
  const m = new VersionedMap();
  const empty = smtProve(sha256(utf8('x')), m.at(0));
  assert.equal(proofJson(empty.proof), proofJson(buildMap([]).prove(utf8('x'))));
  const root = m.insert([item(1)]);
  assert.equal(toHex(root), toHex(buildMap([item(1)]).root));
  assert.equal(smtProve(sha256(item(1).key), m.at(1)).proof.NumSideNodes, 0n);
  verifyMapAbsence(root, item(2).key, smtProve(sha256(item(2).key), m.at(1)).proof);
});

test('smt store: a path the map holds is refused, in an earlier batch or the same one', () => {
  const m = new VersionedMap();
  m.insert([item(1), item(2)]);
  assert.throws(() => m.insert([item(2)]), /holds path/);
  assert.throws(() => new VersionedMap().insert([item(3), item(3)]), /holds path/);
});

test('smt store: paths that are Buffers (a driver\'s rows) are read, never written to', () => {
  const leaves = [1, 2, 3, 4, 5].map((i) => ({ path: Buffer.from(sha256(item(i).key)) as unknown as Hash, valueHash: sha256(item(i).value) }));
  const copies = leaves.map((l) => toHex(l.path));
  const rows = new Map<string, SmtNode>();
  const read: SmtReader = (d, p) => rows.get(`${d}:${toHex(p)}`);
  for (const l of leaves) for (const w of smtInsert([l], read).writes) rows.set(`${w.depth}:${toHex(w.prefix)}`, w.node);
  assert.deepEqual(leaves.map((l) => toHex(l.path)), copies);
  for (const l of leaves) smtProve(l.path, read);
  assert.deepEqual(leaves.map((l) => toHex(l.path)), copies);
  assert.equal(toHex(smtRoot(read)), toHex(buildMap([1, 2, 3, 4, 5].map(item)).root));
});
