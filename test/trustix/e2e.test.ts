// e2e_log.json: a real Trustix publisher's run replayed with our pure modules —
// every head, leaf, proof and map answer reproduced byte for byte — and then read
// the way a client reads a log (SPEC §8): verify the head, track it, prove the map
// entry, bind it to its log leaf, include that leaf, fetch and check the value.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProofShapeError, RootMismatchError, sha256, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import {
  Log, LogHead, MapValueResponse, NIX_PROTOCOL, SubmitRequest, SubmitResponse, advanceHead, checkAdvertisedLog, checkLogLeaf,
  decodeBinary, decodeJson, decodeValue, encodeBinary, encodeJson, fromWireHead, headDigest, headMessage, mapHeadLeafHash,
  parseLogKey, parseMapEntry, toWireHead, verifyHead, verifyMapAbsence, verifyMapValue,
} from '../../src/trustix/index.ts';
import type { VerifiedHead } from '../../src/trustix/index.ts';
import { b64, hex, loadVectors, toB64, toHex, utf8 } from '../merkle/data.ts';
import { Publisher } from './publisher.ts';
import type { Item } from './publisher.ts';
import { headOf, signerFromSeed } from './sign.ts';
import type { HeadFields } from './sign.ts';
import { trustixErrorOf } from './throws.ts';

interface HeadJson extends HeadFields { signed_message_hex: string; signed_digest_hex: string; protobuf_b64: string; protojson: string }
interface Batch { items: Array<{ Key_utf8: string; Value_utf8: string; sha256_value_hex: string }>; SubmitRequest_protojson: string; SubmitResponse_protojson?: string }
interface ProofCase { first_size: number; second_size: number; first_root_hex: string; second_root_hex: string; proof_hex: string[]; trustix_ValidConsistencyProof: boolean; rfc9162_verify: boolean }
interface E2e {
  protocol: { name: string; id: string };
  key: { ed25519_seed_hex: string; private_key_file_contents: string; public_key_b64: string; public_key_hex: string; log_id: string };
  upstream_storage_semantics: Record<string, string | null>;
  log_meta_protojson: string;
  submit_batch_1: Batch; submit_batch_2: Batch & { note: string };
  heads: Array<{ after: string; head: HeadJson }>;
  flush_with_empty_queue_changes_head: boolean;
  log_entries_0_to_size_minus_1: Array<{ index: number; Key_utf8: string; ValueDigest_hex: string; LeafDigest_hex: string }>;
  GetLogAuditProof_api_result: string; GetMHLogAuditProof_api_result: string;
  audit_proofs_final: Array<{ index: number; tree_size: number; leaf_hash_hex: string; proof_hex: string[]; rfc9162_verify: boolean }>;
  log_consistency_proofs: ProofCase[]; mh_log_consistency_proofs: ProofCase[];
  mh_log_entries: Array<{ index: number; LeafDigest_hex: string }>;
  map_values_at_final_root: Array<{
    key_utf8: string; response_protojson: string; Value_utf8: string; MapEntry_Digest_hex: string; MapEntry_Index: number;
    smt_VerifyCompactProof: boolean; GetValue_value_utf8: string; GetValue_sha256_matches_digest: boolean; log_leaf_at_index_has_same_key_and_digest: boolean;
  }>;
  GetMapValue_absent_key: { key_utf8: string; error: string };
  GetMapValue_with_previous_MapRoot: { key_utf8: string; MapRoot_hex: string; error: string };
}
const V = loadVectors<E2e>('e2e_log.json');
const SIGNER = signerFromSeed(V.key.ed25519_seed_hex);
const KEY = parseLogKey(V.key.public_key_b64);
const items = (b: Batch): Item[] => b.items.map((i) => ({ key: utf8(i.Key_utf8), value: utf8(i.Value_utf8) }));
const pub = new Publisher(SIGNER);
const wrote = [pub.flush(items(V.submit_batch_1)), pub.flush(items(V.submit_batch_2)), pub.flush([])];

test('e2e key and log: the private key file holds the seed; the advertised log is ours', () => {
  assert.equal(toHex(b64(V.key.private_key_file_contents).subarray(0, 32)), V.key.ed25519_seed_hex);
  assert.equal(toB64(b64(V.key.private_key_file_contents).subarray(32)), V.key.public_key_b64);
  assert.equal(SIGNER.key.base64, V.key.public_key_b64);
  assert.equal(V.protocol.id, NIX_PROTOCOL.id);
  const log = decodeJson(Log, V.log_meta_protojson);
  assert.equal(checkAdvertisedLog(log, NIX_PROTOCOL, KEY), V.key.log_id);
  assert.equal(encodeJson(Log, log), V.log_meta_protojson);
});

test('e2e submissions: SubmitRequest carries the batch items; the answer is OK', () => {
  for (const b of [V.submit_batch_1, V.submit_batch_2]) {
    const req = decodeJson(SubmitRequest, b.SubmitRequest_protojson);
    assert.equal(req.LogID, V.key.log_id);
    assert.deepEqual(req.Items.map((i) => ({ key: i.Key, value: i.Value })), items(b));
    b.items.forEach((i) => assert.equal(toHex(sha256(utf8(i.Value_utf8))), i.sha256_value_hex));
    assert.equal(encodeJson(SubmitRequest, req), b.SubmitRequest_protojson);
    assert.deepEqual(decodeBinary(SubmitRequest, encodeBinary(SubmitRequest, req)), req);
  }
  assert.deepEqual(decodeJson(SubmitResponse, V.submit_batch_1.SubmitResponse_protojson!), { status: 'OK' });
  assert.match(V.submit_batch_2.note, /first write wins/);
  assert.ok(Object.keys(V.upstream_storage_semantics).length > 0, 'SPEC §9 bug 1 is server-side; the rest of the file assumes it fixed');
});

test('e2e heads: the replayed publisher signs the same three heads, byte for byte', () => {
  assert.deepEqual(wrote, [true, true, false]);
  assert.equal(V.flush_with_empty_queue_changes_head, false);
  assert.equal(pub.heads.length, 3);
  V.heads.forEach(({ after, head: j }, i) => {
    const h = pub.heads[i]!;
    assert.deepEqual(h, headOf(j), after);
    assert.equal(toHex(headMessage(h)), j.signed_message_hex);
    assert.equal(toHex(headDigest(h)), j.signed_digest_hex);
    assert.equal(toB64(encodeBinary(LogHead, toWireHead(h))), j.protobuf_b64);
    assert.equal(encodeJson(LogHead, toWireHead(h)), j.protojson);
  });
});

test('e2e leaves, audit proofs and both logs\' consistency proofs are the publisher\'s', () => {
  assert.deepEqual(pub.leaves.map((l) => [new TextDecoder().decode(l.Key), toHex(l.ValueDigest!), toHex(l.LeafDigest)]),
    V.log_entries_0_to_size_minus_1.map((l) => [l.Key_utf8, l.ValueDigest_hex, l.LeafDigest_hex]));
  assert.match(V.GetLogAuditProof_api_result, /^panic/, 'the endpoint panics upstream (SPEC §9 bug 2)');
  assert.match(V.GetMHLogAuditProof_api_result, /^panic/);
  const head = pub.head;
  assert.equal(V.audit_proofs_final.length, 12);
  for (const a of V.audit_proofs_final) {
    assert.ok(a.rfc9162_verify);
    assert.deepEqual(pub.audit(a.index, a.tree_size).map(toHex), a.proof_hex);
    verifyInclusion(BigInt(a.index), head.treeSize, hex(a.leaf_hash_hex), a.proof_hex.map(hex), head.logRoot);
  }
  for (const [cases, build] of [[V.log_consistency_proofs, pub.consistency.bind(pub)], [V.mh_log_consistency_proofs, pub.mhConsistency.bind(pub)]] as const) {
    for (const c of cases) {
      assert.ok(c.trustix_ValidConsistencyProof && c.rfc9162_verify);
      assert.deepEqual(build(c.first_size, c.second_size).map(toHex), c.proof_hex);
      verifyConsistency(BigInt(c.first_size), BigInt(c.second_size), c.proof_hex.map(hex), hex(c.first_root_hex), hex(c.second_root_hex));
    }
  }
  assert.deepEqual(pub.mhLeaves.map(toHex), V.mh_log_entries.map((l) => l.LeafDigest_hex));
  pub.heads.forEach((h, i) => assert.equal(toHex(mapHeadLeafHash(h.mapRoot)), V.mh_log_entries[i]!.LeafDigest_hex));
});

test('e2e GetMapValue answers: reproduced byte for byte and verified down to the value', async () => {
  const [h0, h1, h2] = await Promise.all(V.heads.map((h) => verifyHead(fromWireHead(decodeJson(LogHead, h.head.protojson)), KEY))) as [VerifiedHead, VerifiedHead, VerifiedHead];
  let head = advanceHead(h0, h1, { log: pub.consistency(0, 7), mapHeadLog: pub.mhConsistency(1, 2) });
  head = advanceHead(head, h2, { log: V.log_consistency_proofs[0]!.proof_hex.map(hex), mapHeadLog: pub.mhConsistency(2, 3) });
  assert.equal(head, h2);
  assert.equal(V.map_values_at_final_root.length, 12);
  for (const m of V.map_values_at_final_root) {
    assert.ok(m.smt_VerifyCompactProof && m.GetValue_sha256_matches_digest && m.log_leaf_at_index_has_same_key_and_digest);
    const key = utf8(m.key_utf8);
    const res = decodeJson(MapValueResponse, m.response_protojson);
    assert.equal(encodeJson(MapValueResponse, pub.mapValue(key)), m.response_protojson, m.key_utf8);
    assert.equal(new TextDecoder().decode(res.Value), m.Value_utf8);
    verifyMapValue(head.mapRoot, key, res.Value, res.Proof);
    const entry = parseMapEntry(res.Value);
    assert.equal(toHex(entry.digest), m.MapEntry_Digest_hex);
    assert.equal(entry.index, BigInt(m.MapEntry_Index));
    const leaf = pub.leaves[Number(entry.index)]!;
    const leafHash = checkLogLeaf(leaf, key, entry.digest);
    verifyInclusion(entry.index, head.treeSize, leafHash, pub.audit(Number(entry.index), Number(head.treeSize)), head.logRoot);
    const value = decodeValue(pub.value(entry.digest)!, { digest: entry.digest, path: m.key_utf8 as StorePath });
    assert.deepEqual(utf8(m.GetValue_value_utf8), pub.value(entry.digest));
    assert.equal(value.path, m.key_utf8);
  }
});

test('e2e where Trustix errors we prove: absence, and a value against the older map root', () => {
  const absent = utf8(V.GetMapValue_absent_key.key_utf8);
  assert.equal(V.GetMapValue_absent_key.error, 'Map value not found');
  const res = pub.mapValue(absent);
  assert.equal(res.Value.length, 0);
  verifyMapAbsence(pub.head.mapRoot, absent, res.Proof);
  const old = V.GetMapValue_with_previous_MapRoot;
  assert.match(old.error, /could not find object/);
  assert.equal(toHex(pub.heads[1]!.mapRoot), old.MapRoot_hex);
  const atOld = pub.mapValue(utf8(old.key_utf8), 1);
  verifyMapValue(hex(old.MapRoot_hex), utf8(old.key_utf8), atOld.Value, atOld.Proof);
  assert.throws(() => verifyMapValue(pub.head.mapRoot, utf8(old.key_utf8), atOld.Value, atOld.Proof), RootMismatchError);
});

test('e2e lies a client catches: another key\'s entry, a leaf at the wrong index, an index past the head', async () => {
  const head = await verifyHead(pub.head, KEY);
  const [a, b] = V.map_values_at_final_root as [typeof V.map_values_at_final_root[0], typeof V.map_values_at_final_root[0]];
  const resB = decodeJson(MapValueResponse, b.response_protojson);
  assert.throws(() => verifyMapValue(head.mapRoot, utf8(a.key_utf8), resB.Value, resB.Proof), RootMismatchError, 'b\'s answer for a');
  const entryA = parseMapEntry(utf8(a.Value_utf8));
  trustixErrorOf(() => checkLogLeaf(pub.leaves[Number(entryA.index) + 1]!, utf8(a.key_utf8), entryA.digest), 'bad-log-leaf');
  assert.throws(() => verifyInclusion(head.treeSize, head.treeSize, new Uint8Array(32), [], head.logRoot), ProofShapeError);
  const valueB = pub.value(parseMapEntry(resB.Value).digest)!;
  trustixErrorOf(() => decodeValue(valueB, { digest: entryA.digest, path: a.key_utf8 as StorePath }), 'value-digest-mismatch');
  trustixErrorOf(() => decodeValue(valueB, { digest: sha256(valueB), path: a.key_utf8 as StorePath }), 'value-path-mismatch');
});
