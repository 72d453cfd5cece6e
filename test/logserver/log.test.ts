// Our log in SQLite against the in-memory publisher (test/trustix/publisher.ts),
// which reproduces Go Trustix: the same inputs give the same heads, leaves, proofs
// and map answers byte for byte; older heads stay provable; a second value for a
// key is refused, the same value is a no-op.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { sha256, toHex, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import {
  LogHead, MapValueResponse, NIX_PROTOCOL, encodeBinary, encodeJson, kvLeafHash, parseMapEntry, toWireHead, verifyHead, verifyMapAbsence,
  verifyMapValue,
} from '../../src/trustix/index.ts';
import Database from 'better-sqlite3';
import { auditLog } from '../../src/logserver/audit.ts';
import { appendItems, auditProof, consistencyProof, logLeaves, mapHeadLeaves, mapValue, openLog, writeFirstHead } from '../../src/logserver/log.ts';
import type { Item, OpenLog } from '../../src/logserver/log.ts';
import { parseLogSecret } from '../../src/logserver/state.ts';
import { MAIN_LOG, MAP_HEAD_LOG, createLogDb, openLogDb } from '../../src/logserver/store.ts';
import { loadVectors, utf8 } from '../merkle/data.ts';
import { Publisher } from '../trustix/publisher.ts';
import { signerFromSeed } from '../trustix/sign.ts';

interface E2e {
  key: { ed25519_seed_hex: string; private_key_file_contents: string };
  submit_batch_1: { items: Array<{ Key_utf8: string; Value_utf8: string }> };
  submit_batch_2: { items: Array<{ Key_utf8: string; Value_utf8: string }> };
  heads: Array<{ head: { protobuf_b64: string; protojson: string } }>;
  map_values_at_final_root: Array<{ key_utf8: string; response_protojson: string }>;
}
const V = loadVectors<E2e>('e2e_log.json');
const items = (b: E2e['submit_batch_1']): Item[] => b.items.map((i) => ({ key: utf8(i.Key_utf8), value: utf8(i.Value_utf8) }));
const dir = await mkdtemp(join(tmpdir(), 'tv-log-'));
after(() => rm(dir, { recursive: true, force: true }));

const secret = parseLogSecret(V.key.private_key_file_contents, 'vector key');

function newLog(name: string, history = 64): OpenLog {
  const file = join(dir, `${name}.db`);
  createLogDb(file, NIX_PROTOCOL, secret.key, (db) => writeFirstHead(db, secret.sign));
  return openLog(file, { history });
}

test('log db: the e2e inputs give the publisher\'s heads, leaves, proofs and map answers byte for byte', async () => {
  const log = newLog('e2e');
  const db = log.db;
  const pub = new Publisher(signerFromSeed(V.key.ed25519_seed_hex));
  const r1 = appendItems(log, items(V.submit_batch_1), secret.sign);
  pub.flush(items(V.submit_batch_1));
  const r2 = appendItems(log, items(V.submit_batch_2), secret.sign);
  pub.flush(items(V.submit_batch_2));
  const r3 = appendItems(log, [], secret.sign);
  assert.deepEqual(r1.outcomes.map((o) => o.kind), Array(7).fill('added'));
  assert.deepEqual(r2.outcomes.map((o) => o.kind), ['added', 'added', 'added', 'added', 'added', 'present', 'conflict']);
  assert.equal(r3.head.seq, 3, 'nothing new, no new head');
  const heads = [db.head(1)!, db.head(2)!, db.head(3)!];
  heads.forEach((h, i) => {
    const { seq: _, ...signed } = h;
    assert.deepEqual(signed, pub.heads[i], `head ${i + 1}`);
    assert.equal(Buffer.from(encodeBinary(LogHead, toWireHead(h))).toString('base64'), V.heads[i]!.head.protobuf_b64);
    assert.equal(encodeJson(LogHead, toWireHead(h)), V.heads[i]!.head.protojson);
  });
  await verifyHead(db.latestHead(), secret.key);
  assert.deepEqual(logLeaves(db, 0, 11), pub.leaves);
  assert.deepEqual(mapHeadLeaves(db, 0, 2).map((l) => toHex(l.LeafDigest)), pub.mhLeaves.map(toHex));
  for (let size = 1; size <= 12; size++) {
    for (let i = 0; i < size; i++) assert.deepEqual(auditProof(db, MAIN_LOG, i, size), pub.audit(i, size));
    for (let m = 0; m <= size; m++) assert.deepEqual(consistencyProof(db, MAIN_LOG, m, size), pub.consistency(m, size));
  }
  assert.deepEqual(consistencyProof(db, MAP_HEAD_LOG, 1, 3), pub.mhConsistency(1, 3));
  for (const m of V.map_values_at_final_root) {
    assert.equal(encodeJson(MapValueResponse, mapValue(log, db.latestHead(), utf8(m.key_utf8))!), m.response_protojson, m.key_utf8);
  }
  db.close();
});

test('log db: every head stays provable; absent keys get proofs of absence', () => {
  const log = newLog('versions');
  const db = log.db;
  const all = Array.from({ length: 300 }, (_, i) => ({ key: utf8(`/nix/store/${String(i).padStart(32, 'a')}-x`), value: utf8(`{"n":${i}}`) }));
  for (let i = 0; i < all.length; i += 37) appendItems(log, all.slice(i, i + 37), secret.sign);
  const last = db.latestHead();
  assert.equal(last.treeSize, 300n);
  for (let seq = 1; seq <= last.seq; seq++) {
    const head = db.head(seq)!;
    assert.equal(db.headWithMapRoot(head.mapRoot)!.seq, seq);
    const n = Number(head.treeSize);
    verifyConsistency(head.treeSize, last.treeSize, consistencyProof(db, MAIN_LOG, n, 300), head.logRoot, last.logRoot);
    verifyConsistency(head.mhTreeSize, last.mhTreeSize, consistencyProof(db, MAP_HEAD_LOG, seq, last.seq), head.mhRoot, last.mhRoot);
    for (const probe of [0, n - 1, n, 299]) {
      const item = all[probe];
      if (item === undefined) continue;
      const res = mapValue(log, head, item.key)!;
      if (probe < n) {
        verifyMapValue(head.mapRoot, item.key, res.Value, res.Proof);
        const entry = parseMapEntry(res.Value);
        assert.equal(entry.index, BigInt(probe));
        assert.equal(toHex(entry.digest), toHex(sha256(item.value)));
        verifyInclusion(entry.index, head.treeSize, kvLeafHash(item.key, entry.digest), auditProof(db, MAIN_LOG, probe, n), head.logRoot);
      } else {
        assert.equal(res.Value.length, 0);
        verifyMapAbsence(head.mapRoot, item.key, res.Proof);
      }
    }
  }
  assert.deepEqual(db.value(5), all[5]!.value);
  assert.equal(log.map.indexOfDigest(sha256(all[5]!.value)), 5);
  assert.equal(log.map.indexOfDigest(sha256(utf8('nothing'))), undefined);
  db.close();
});

test('log db: the same value again is a no-op, another value is refused, also within one batch', () => {
  const log = newLog('conflicts');
  const db = log.db;
  const a = { key: utf8('/nix/store/aaaa'), value: utf8('one') };
  const b = { key: utf8('/nix/store/bbbb'), value: utf8('two') };
  const first = appendItems(log, [a, b, { ...a, value: utf8('other') }, a], secret.sign);
  assert.deepEqual(first.outcomes, [{ kind: 'added', index: 0 }, { kind: 'added', index: 1 }, { kind: 'conflict', index: 0, digest: sha256(a.value) }, { kind: 'present', index: 0 }]);
  const again = appendItems(log, [b, { ...b, value: utf8('changed') }], secret.sign);
  assert.equal(again.head.seq, first.head.seq);
  assert.deepEqual(again.outcomes.map((o) => o.kind), ['present', 'conflict']);
  assert.equal(db.latestHead().treeSize, 2n);
  db.close();
});

test('log db: a second database at the same path is refused; the first stays', () => {
  assert.throws(() => createLogDb(join(dir, 'versions.db'), NIX_PROTOCOL, secret.key, (db) => writeFirstHead(db, secret.sign)), /already exists/);
  openLogDb(join(dir, 'versions.db')).close();
  assert.throws(() => openLogDb(join(dir, 'missing.db')), /cannot open/);
});

test('log audit: a sound log passes; a changed value, a dropped leaf or a forged head is found', async () => {
  const file = join(dir, 'audit.db');
  const log = newLog('audit');
  const db = log.db;
  const all = Array.from({ length: 50 }, (_, i) => ({ key: utf8(`/nix/store/${String(i).padStart(32, 'b')}-y`), value: utf8(`{"n":${i}}`) }));
  for (let i = 0; i < all.length; i += 9) appendItems(log, all.slice(i, i + 9), secret.sign);
  const sound = await auditLog(db);
  assert.deepEqual(sound, { heads: 7, entries: 50, problems: [] });
  db.close();
  const raw = new Database(file);
  raw.prepare('UPDATE entries SET value = ? WHERE idx = 3').run(utf8('{"n":"changed"}'));
  raw.prepare('UPDATE heads SET signature = ? WHERE seq = 4').run(new Uint8Array(64));
  raw.prepare('UPDATE tree SET hash = ? WHERE log = 0 AND level = 0 AND idx = 20').run(new Uint8Array(32));
  raw.prepare('UPDATE tree SET hash = ? WHERE log = 0 AND level = 4 AND idx = 0').run(new Uint8Array(32));
  raw.prepare('UPDATE entries SET vhash = ? WHERE idx = 30').run(new Uint8Array(32));
  raw.close();
  const broken = openLogDb(file);
  const report = await auditLog(broken);
  broken.close();
  const text = report.problems.join('\n');
  assert.match(text, /entry 3: its value is not the one its digest names/);
  assert.match(text, /head 4: the signature does not verify/);
  assert.match(text, /entry 20: the stored leaf hash/);
  assert.match(text, /head 3: LogRoot: stored subtrees give/);
  assert.match(text, /head 4: consistency with head 3: first root mismatch/);
  assert.match(text, /entry 30: the stored SHA-256 of its key or MapEntry is wrong/);
  assert.throws(() => openLog(file), /the map of head \d+'s entries has root .*, the head says/, 'a process refuses to serve a map its head did not sign');
});

test('log db: two writers take turns, each catching up on the other; a reader keeps the latest heads\' maps only', () => {
  const a = newLog('writers', 2);
  const file = join(dir, 'writers.db');
  const b = openLog(file);
  const item = (i: number) => ({ key: utf8(`/nix/store/${String(i).padStart(32, 'c')}-w`), value: utf8(`{"w":${i}}`) });
  appendItems(a, [item(0), item(1)], secret.sign);
  appendItems(b, [item(2), item(1)], secret.sign);
  const r = appendItems(a, [item(2), item(3)], secret.sign);
  assert.deepEqual(r.outcomes, [{ kind: 'present', index: 2 }, { kind: 'added', index: 3 }], 'a saw b\'s entry 2');
  appendItems(b, [item(4)], secret.sign);
  a.map.catchUp();
  assert.equal(a.map.latestVersion, 5);
  assert.equal(a.map.oldestVersion, 3, 'history 2: heads 3, 4 and 5');
  assert.equal(mapValue(a, a.db.head(2)!, item(0).key), undefined);
  const res = mapValue(a, a.db.head(3)!, item(2).key)!;
  verifyMapValue(a.db.head(3)!.mapRoot, item(2).key, res.Value, res.Proof);
  a.db.close();
  b.db.close();
});
