// SPEC §9, one place: each input that crashes or fools the Go code is a typed
// error here (or, where Trustix merely refuses to answer, something we can check).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_ROOT, ProofShapeError, RootMismatchError, consistencyProof, inclusionProof, leafHash, rootFromLeafHashes, verifyConsistency, verifyInclusion,
} from '../../src/merkle/index.ts';
import {
  InconsistentHeadError, LogHead, MapValueResponse, NIX_PROTOCOL, SparseCompactMerkleProof, TEST_PROTOCOL, ValueDigestMismatchError,
  advanceHead, decodeBinary, decodeJson, deriveLogId, encodeMapEntry, parseLogKey, parseMapEntry, verifyHead, verifyMapAbsence,
  decodeValue, verifyMapValue,
} from '../../src/trustix/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { b64, hex, loadVectors, utf8 } from '../merkle/data.ts';
import { headOf } from './sign.ts';
import type { HeadFields } from './sign.ts';
import { trustixErrorOf } from './throws.ts';

const SMT = loadVectors<{ final_root: string; adversarial_proofs: Array<{ case: string; key_utf8: string; root: string; proof: { SideNodes: string[]; NonMembershipLeafData: string | null; BitMask: string; NumSideNodes: number } }> }>('smt.json');
const E2E = loadVectors<{ key: { public_key_b64: string }; heads: Array<{ head: HeadFields }>; map_values_at_final_root: Array<{ key_utf8: string; response_protojson: string; GetValue_value_utf8: string }> }>('e2e_log.json');
const LEAVES = Array.from({ length: 20 }, (_, i) => leafHash(utf8(`trustix-leaf-${i}`)));
const KEY = parseLogKey(E2E.key.public_key_b64);
type SmtProofJson = (typeof SMT.adversarial_proofs)[0]['proof'];
const proofJson = (p: SmtProofJson): SparseCompactMerkleProof => decodeJson(SparseCompactMerkleProof, JSON.stringify({ ...p, NumSideNodes: String(p.NumSideNodes) }));

test('bug 3: a BitMask padding bit (Go: index out of range, daemon crash) is a ProofShapeError', () => {
  const c = SMT.adversarial_proofs.find((x) => x.case.startsWith('BitMask padding'))!;
  assert.throws(() => verifyMapAbsence(hex(c.root), utf8(c.key_utf8), proofJson(c.proof)), ProofShapeError);
});

test('bug 3: short and empty consistency proofs (Go: panic in the subscriber) are ProofShapeErrors and inconsistent heads', async () => {
  const full = consistencyProof(LEAVES, 6);
  const [r6, r20] = [rootFromLeafHashes(LEAVES.slice(0, 6)), rootFromLeafHashes(LEAVES)];
  for (const proof of [[], full.slice(1), full.slice(0, -1)]) {
    assert.throws(() => verifyConsistency(6n, 20n, proof, r6, r20), ProofShapeError);
  }
  const [h1, h2] = await Promise.all(E2E.heads.slice(1).map((h) => verifyHead(headOf(h.head), KEY)));
  trustixErrorOf(() => advanceHead(h1!, h2!, { log: [] }), 'inconsistent-head', InconsistentHeadError);
});

test('§3.5: what Trustix\'s lenient verifier waves through is refused', () => {
  const r20 = rootFromLeafHashes(LEAVES);
  const full = consistencyProof(LEAVES, 6);
  assert.throws(() => verifyConsistency(6n, 20n, [LEAVES[0]!, ...full], rootFromLeafHashes(LEAVES.slice(0, 6)), r20), ProofShapeError, 'extra leading hash');
  assert.throws(() => verifyConsistency(20n, 20n, [LEAVES[0]!], r20, r20), ProofShapeError, 'equal sizes with a proof');
  assert.throws(() => verifyConsistency(0n, 20n, [], LEAVES[0]!, r20), RootMismatchError, 'size 0 with another root than the empty tree\'s');
  verifyConsistency(0n, 20n, [], EMPTY_ROOT, r20);
});

test('bug 11 / §1.6: proofs for ranges that have none are refused, never junk', () => {
  assert.throws(() => inclusionProof(LEAVES.slice(0, 3), 3), ProofShapeError);
  assert.throws(() => consistencyProof(LEAVES.slice(0, 3), 7), ProofShapeError);
  assert.throws(() => verifyInclusion(3n, 3n, LEAVES[0]!, [], rootFromLeafHashes(LEAVES.slice(0, 3))), ProofShapeError);
});

test('smt adversarial: a 0xff leaf-data prefix Go accepts, stray SideNodes Go ignores, leaf data in a proof of presence', () => {
  for (const c of SMT.adversarial_proofs) {
    assert.throws(() => verifyMapAbsence(hex(c.root), utf8(c.key_utf8), proofJson(c.proof)), ProofShapeError, c.case);
  }
  const m = E2E.map_values_at_final_root[0]!;
  const res = decodeJson(MapValueResponse, m.response_protojson);
  const mapRoot = headOf(E2E.heads[2]!.head).mapRoot;
  verifyMapValue(mapRoot, utf8(m.key_utf8), res.Value, res.Proof);
  const withLeaf = { ...res.Proof, NonMembershipLeafData: new Uint8Array(65) };
  assert.throws(() => verifyMapValue(mapRoot, utf8(m.key_utf8), res.Value, withLeaf), ProofShapeError);
});

test('oversized values: side-node counts, varints, lengths, indices and sizes past their types', () => {
  const root = hex(SMT.final_root);
  assert.throws(() => verifyMapAbsence(root, utf8('k'), { SideNodes: [], BitMask: new Uint8Array(), NumSideNodes: (1n << 64n) - 1n }), ProofShapeError);
  assert.throws(() => verifyMapAbsence(root, utf8('k'), { SideNodes: [], BitMask: new Uint8Array(33).fill(0xff), NumSideNodes: 264n }), ProofShapeError);
  trustixErrorOf(() => decodeBinary(LogHead, Uint8Array.of(0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)), 'malformed');
  trustixErrorOf(() => decodeBinary(LogHead, Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)), 'malformed');
  trustixErrorOf(() => decodeJson(LogHead, '{"TreeSize":"99999999999999999999"}'), 'malformed');
  trustixErrorOf(() => parseMapEntry(utf8('{"Digest":"vNvNf+Z7fj2UUEXBpCBUsSlYIjpyj8+wHH7s4v2fC34=","Index":18446744073709551616}')), 'malformed');
  trustixErrorOf(() => encodeMapEntry(undefined, 1n << 64n), 'malformed');
  assert.throws(() => verifyInclusion(0n, 1n << 64n, LEAVES[0]!, [], EMPTY_ROOT), ProofShapeError);
  assert.throws(() => verifyConsistency(1n, 1n << 64n, [], EMPTY_ROOT, EMPTY_ROOT), ProofShapeError);
});

test('bug 5: a value is always re-hashed against its digest', () => {
  const m = E2E.map_values_at_final_root[1]!;
  const other = E2E.map_values_at_final_root[2]!;
  const digest = parseMapEntry(decodeJson(MapValueResponse, m.response_protojson).Value).digest;
  trustixErrorOf(() => decodeValue(utf8(other.GetValue_value_utf8), { digest, path: m.key_utf8 as StorePath }), 'value-digest-mismatch', ValueDigestMismatchError);
});

test('bug 12: a head names no log, so one key\'s head verifies under every protocol; the key is bound by configuration', async () => {
  assert.notEqual(deriveLogId(NIX_PROTOCOL, KEY), deriveLogId(TEST_PROTOCOL, KEY));
  await verifyHead(headOf(E2E.heads[1]!.head), KEY);
});

test('wire: protobuf bytes that are not one message (trailing garbage) never decode to one', () => {
  const head = b64('CiB2WHCutQfiP1sMzuO4abgeiJbwKrhFSfJW57eZCyFOEBAMGiD+xYhYzrLx0VO60IHSejABVQeuK7a30tL7jDvYwOCPbiIg6bVCK1x1p19TbHZK/BjMJUGAQMm7CYUg/gbkS6aqA/koAzJAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==');
  decodeBinary(LogHead, head);
  trustixErrorOf(() => decodeBinary(LogHead, Uint8Array.of(...head, 0x80)), 'malformed');
});
