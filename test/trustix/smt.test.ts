// smt.json (celestiaorg/smt v0.3.0 as Trustix uses it): roots after each insert,
// every present and absent key's compact proof rebuilt byte for byte and verified,
// the negative and adversarial cases (SPEC §9 bug 3) as typed errors, and a
// corruption table for proofs of presence and of absence.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProofError, ProofShapeError, RootMismatchError, sha256 } from '../../src/merkle/index.ts';
import {
  PLACEHOLDER, SparseCompactMerkleProof, buildMap, decodeJson, decompactProof, encodeJson, rootFromMapProof, smtLeafHash,
  verifyMapAbsence, verifyMapValue,
} from '../../src/trustix/index.ts';
import { b64, flip, hex, loadVectors, toB64, toHex, utf8 } from '../merkle/data.ts';

interface ProofJson { SideNodes: string[]; NonMembershipLeafData: string | null; BitMask: string; NumSideNodes: number }
interface Smt {
  placeholder: string; empty_root: string; final_root: string;
  inserts_in_order: Array<{ key_utf8: string; value_utf8: string; value_b64: string; root_after: string }>;
  present_keys: Array<{
    key_utf8: string; path: string; value_b64: string; value_hash: string; leaf_hash: string; proof: ProofJson;
    bitmask_bits: string; decompacted_side_nodes_hex: string[]; verify_with_value: boolean; verify_with_wrong_value: boolean; verify_as_non_membership: boolean;
  }>;
  absent_keys: Array<{
    key_utf8: string; path: string; kind: 'placeholder' | 'unrelated_leaf'; proof: ProofJson; bitmask_bits: string;
    decompacted_side_nodes_hex: string[]; verify_non_membership: boolean; verify_with_some_value: boolean;
    non_membership_leaf_path?: string; non_membership_leaf_value_hash?: string;
  }>;
  negative_cases: Array<{ case: string; key_utf8: string; value_b64: string; proof: ProofJson; root: string; verify: boolean }>;
  adversarial_proofs: Array<{ case: string; key_utf8: string; value_b64: string; root: string; proof: ProofJson; go_result: boolean | string }>;
  empty_tree: { root: string; proof_for_any_key: ProofJson; key_utf8: string; verify_non_membership: boolean };
  single_key_tree: {
    key_utf8: string; value_b64: string; root: string; root_equals_leaf_hash: boolean; proof_present: ProofJson; verify_present: boolean;
    absent_key_utf8: string; proof_absent: ProofJson; verify_absent: boolean;
  };
  old_root_quirk: { old_root: string; get_of_later_key_at_old_root_returns_b64: string };
  tweag_lazyledger_smt_roots_same_inserts: { roots_after_each_insert: string[] };
}
const V = loadVectors<Smt>('smt.json');
const ROOT = hex(V.final_root);
const proofOf = (p: ProofJson): SparseCompactMerkleProof => decodeJson(SparseCompactMerkleProof, JSON.stringify({ ...p, NumSideNodes: String(p.NumSideNodes) }));
/** The vector's proof as protojson writes it (null and empty lists left out). */
const jsonOf = (p: ProofJson): string => JSON.stringify({
  ...(p.SideNodes.length > 0 ? { SideNodes: p.SideNodes } : {}), ...(p.NonMembershipLeafData === null ? {} : { NonMembershipLeafData: p.NonMembershipLeafData }),
  BitMask: p.BitMask, NumSideNodes: String(p.NumSideNodes),
});
const bits = (p: SparseCompactMerkleProof): string => Array.from({ length: Number(p.NumSideNodes) }, (_, i) => ((p.BitMask[i >> 3]! >> (7 - (i & 7))) & 1)).join('');
const ALL = buildMap(V.inserts_in_order.map((e) => ({ key: utf8(e.key_utf8), value: b64(e.value_b64) })));

test('smt inserts_in_order: the root after each of the 16 inserts', () => {
  assert.equal(V.placeholder, toHex(PLACEHOLDER));
  assert.equal(toHex(buildMap([]).root), V.empty_root);
  assert.equal(V.inserts_in_order.length, 16);
  V.inserts_in_order.forEach((e, i) => {
    assert.equal(new TextDecoder().decode(b64(e.value_b64)), e.value_utf8);
    const m = buildMap(V.inserts_in_order.slice(0, i + 1).map((x) => ({ key: utf8(x.key_utf8), value: b64(x.value_b64) })));
    assert.equal(toHex(m.root), e.root_after, `after insert ${i}`);
  });
  assert.equal(toHex(ALL.root), V.final_root);
});

test('smt present_keys: 16 proofs of presence rebuilt byte for byte, decompacted, verified', () => {
  assert.equal(V.present_keys.length, 16);
  for (const k of V.present_keys) {
    const key = utf8(k.key_utf8);
    const value = b64(k.value_b64);
    assert.equal(toHex(sha256(key)), k.path);
    assert.equal(toHex(sha256(value)), k.value_hash);
    assert.equal(toHex(smtLeafHash(sha256(key), sha256(value))), k.leaf_hash);
    const proof = proofOf(k.proof);
    assert.equal(encodeJson(SparseCompactMerkleProof, ALL.prove(key)), jsonOf(k.proof), k.key_utf8);
    assert.equal(bits(proof), k.bitmask_bits);
    assert.deepEqual(decompactProof(proof).map(toHex), k.decompacted_side_nodes_hex);
    assert.ok(k.verify_with_value && !k.verify_with_wrong_value && !k.verify_as_non_membership);
    verifyMapValue(ROOT, key, value, proof);
    assert.throws(() => verifyMapValue(ROOT, key, utf8('{"Digest":"x","Index":0}'), proof), RootMismatchError, 'wrong value');
    assert.throws(() => verifyMapAbsence(ROOT, key, proof), RootMismatchError, 'as absent');
  }
});

test('smt absent_keys: 12 proofs of absence (empty subtree or another leaf) rebuilt and verified', () => {
  assert.equal(V.absent_keys.length, 12);
  assert.deepEqual(new Set(V.absent_keys.map((k) => k.kind)), new Set(['placeholder', 'unrelated_leaf']));
  for (const k of V.absent_keys) {
    const key = utf8(k.key_utf8);
    const proof = proofOf(k.proof);
    assert.equal(encodeJson(SparseCompactMerkleProof, ALL.prove(key)), jsonOf(k.proof), k.key_utf8);
    assert.equal(bits(proof), k.bitmask_bits);
    assert.deepEqual(decompactProof(proof).map(toHex), k.decompacted_side_nodes_hex);
    assert.equal(proof.NonMembershipLeafData === undefined, k.kind === 'placeholder');
    if (proof.NonMembershipLeafData !== undefined) {
      assert.equal(toHex(proof.NonMembershipLeafData.subarray(1, 33)), k.non_membership_leaf_path);
      assert.equal(toHex(proof.NonMembershipLeafData.subarray(33)), k.non_membership_leaf_value_hash);
    }
    assert.ok(k.verify_non_membership && !k.verify_with_some_value);
    verifyMapAbsence(ROOT, key, proof);
    assert.throws(() => verifyMapValue(ROOT, key, utf8('x'), proof), ProofError, 'with some value');
  }
});

test('smt negative_cases: another key\'s proof or value does not verify', () => {
  assert.equal(V.negative_cases.length, 2);
  for (const c of V.negative_cases) {
    assert.equal(c.verify, false);
    assert.throws(() => verifyMapValue(hex(c.root), utf8(c.key_utf8), b64(c.value_b64), proofOf(c.proof)), RootMismatchError, c.case);
  }
});

test('smt adversarial_proofs: what Go accepts wrongly or panics on is a ProofShapeError here', () => {
  assert.equal(V.adversarial_proofs.length, 3);
  for (const c of V.adversarial_proofs) {
    assert.notEqual(c.go_result, false, 'Go accepted or crashed');
    assert.equal(c.value_b64, '', 'all three claim absence');
    assert.throws(() => verifyMapAbsence(hex(c.root), utf8(c.key_utf8), proofOf(c.proof)), ProofShapeError, c.case);
  }
  const padding = V.adversarial_proofs.find((c) => c.case.startsWith('BitMask padding'))!;
  assert.match(String(padding.go_result), /^panic: runtime error: index out of range/);
  assert.throws(() => decompactProof(proofOf(padding.proof)), /padding bit 7 is set/);
});

test('smt empty_tree and single_key_tree: proofs with no side nodes', () => {
  const e = V.empty_tree;
  assert.equal(e.root, toHex(PLACEHOLDER));
  assert.ok(e.verify_non_membership);
  verifyMapAbsence(hex(e.root), utf8(e.key_utf8), proofOf(e.proof_for_any_key));
  const s = V.single_key_tree;
  const one = buildMap([{ key: utf8(s.key_utf8), value: b64(s.value_b64) }]);
  assert.equal(toHex(one.root), s.root);
  assert.ok(s.root_equals_leaf_hash && s.verify_present && s.verify_absent);
  assert.equal(encodeJson(SparseCompactMerkleProof, one.prove(utf8(s.key_utf8))), jsonOf(s.proof_present));
  assert.equal(encodeJson(SparseCompactMerkleProof, one.prove(utf8(s.absent_key_utf8))), jsonOf(s.proof_absent));
  verifyMapValue(hex(s.root), utf8(s.key_utf8), b64(s.value_b64), proofOf(s.proof_present));
  verifyMapAbsence(hex(s.root), utf8(s.absent_key_utf8), proofOf(s.proof_absent));
  assert.throws(() => verifyMapAbsence(hex(s.root), utf8(s.key_utf8), proofOf(s.proof_absent)), ProofShapeError, 'the leaf data is the key itself');
});

test('smt old_root_quirk: a later value does not verify against an older root', () => {
  const q = V.old_root_quirk;
  assert.equal(q.old_root, V.final_root);
  const later = new TextDecoder().decode(b64(q.get_of_later_key_at_old_root_returns_b64));
  assert.match(later, /"Index":99\}$/);
  const entries = V.inserts_in_order.map((x) => ({ key: utf8(x.key_utf8), value: b64(x.value_b64) }));
  const key = utf8('/nix/store/later-key');
  const newer = buildMap([...entries, { key, value: utf8(later) }]);
  assert.throws(() => verifyMapValue(ROOT, key, utf8(later), newer.prove(key)), RootMismatchError);
  verifyMapAbsence(ROOT, key, ALL.prove(key));
});

test('tweag_lazyledger_smt_roots_same_inserts: the old library read bits LSB-first', () => {
  const roots = V.tweag_lazyledger_smt_roots_same_inserts.roots_after_each_insert;
  assert.equal(roots.length, 16);
  roots.forEach((want, i) => {
    const m = buildMap(V.inserts_in_order.slice(0, i + 1).map((x) => ({ key: utf8(x.key_utf8), value: b64(x.value_b64) })), 'lsb');
    assert.equal(toHex(m.root), want, `after insert ${i}`);
  });
});

test('smt corruption table: every probe of every proof fails with its class', () => {
  type WantErr = typeof ProofShapeError | typeof RootMismatchError;
  const probes = (p: SparseCompactMerkleProof): Array<{ desc: string; proof: SparseCompactMerkleProof; wantErr: WantErr }> => {
    const n = Number(p.NumSideNodes);
    const out: Array<{ desc: string; proof: SparseCompactMerkleProof; wantErr: WantErr }> = [
      { desc: 'NumSideNodes + 1', proof: { ...p, NumSideNodes: p.NumSideNodes + 1n }, wantErr: ProofShapeError },
      { desc: 'NumSideNodes = 257', proof: { ...p, NumSideNodes: 257n }, wantErr: ProofShapeError },
      { desc: 'extra side node at the back', proof: { ...p, SideNodes: [...p.SideNodes, PLACEHOLDER] }, wantErr: ProofShapeError },
      { desc: 'extra side node at the front', proof: { ...p, SideNodes: [ROOT, ...p.SideNodes] }, wantErr: ProofShapeError },
      { desc: 'BitMask with a garbage byte', proof: { ...p, BitMask: Uint8Array.of(...p.BitMask, 0) }, wantErr: ProofShapeError },
      { desc: 'NonMembershipLeafData of 64 bytes', proof: { ...p, NonMembershipLeafData: new Uint8Array(64) }, wantErr: ProofShapeError },
      { desc: 'NonMembershipLeafData of 66 bytes', proof: { ...p, NonMembershipLeafData: new Uint8Array(66) }, wantErr: ProofShapeError },
    ];
    if (p.SideNodes.length > 0) out.push({ desc: 'side node removed', proof: { ...p, SideNodes: p.SideNodes.slice(1) }, wantErr: ProofShapeError });
    p.SideNodes.forEach((_, i) => {
      out.push({ desc: `SideNodes[${i}] bit flipped`, proof: { ...p, SideNodes: p.SideNodes.map((s, j) => (j === i ? flip(s) : s)) }, wantErr: RootMismatchError });
      out.push({ desc: `SideNodes[${i}] of 31 bytes`, proof: { ...p, SideNodes: p.SideNodes.map((s, j) => (j === i ? s.subarray(1) : s)) }, wantErr: ProofShapeError });
    });
    for (let i = 0; i < n; i++) {
      out.push({ desc: `BitMask bit ${i} flipped`, proof: { ...p, BitMask: flip(p.BitMask, i >> 3, 7 - (i & 7)) }, wantErr: ProofShapeError });
    }
    if (p.NonMembershipLeafData !== undefined) {
      out.push({ desc: 'leaf data path bit flipped', proof: { ...p, NonMembershipLeafData: flip(p.NonMembershipLeafData, 32, 0) }, wantErr: RootMismatchError });
      out.push({ desc: 'leaf data value hash bit flipped', proof: { ...p, NonMembershipLeafData: flip(p.NonMembershipLeafData, 64, 0) }, wantErr: RootMismatchError });
      out.push({ desc: 'leaf data prefix 0x01', proof: { ...p, NonMembershipLeafData: flip(p.NonMembershipLeafData, 0, 0) }, wantErr: ProofShapeError });
      out.push({ desc: 'leaf data off the path', proof: { ...p, NonMembershipLeafData: flip(p.NonMembershipLeafData, 1, 7) }, wantErr: ProofShapeError });
      out.push({ desc: 'leaf data dropped', proof: { SideNodes: p.SideNodes, BitMask: p.BitMask, NumSideNodes: p.NumSideNodes }, wantErr: RootMismatchError });
    }
    return out;
  };
  let count = 0;
  for (const k of V.present_keys) {
    const key = utf8(k.key_utf8);
    const value = b64(k.value_b64);
    const good = proofOf(k.proof);
    for (const { desc, proof, wantErr } of probes(good)) {
      // Leaf data in a proof of presence is refused whatever its size.
      const want: WantErr = desc.startsWith('NonMembershipLeafData') ? ProofShapeError : wantErr;
      assert.throws(() => verifyMapValue(ROOT, key, value, proof), want, `${k.key_utf8}: ${desc}`);
      count++;
    }
    assert.throws(() => verifyMapValue(ROOT, key, value, { ...good, NonMembershipLeafData: Uint8Array.of(0, ...sha256(key), ...sha256(value)) }), ProofShapeError);
    assert.throws(() => verifyMapValue(ROOT, key, new Uint8Array(), good), ProofShapeError, 'an empty value is never present');
    assert.throws(() => verifyMapValue(ROOT, utf8(`${k.key_utf8}x`), value, good), RootMismatchError, 'another key');
    assert.throws(() => verifyMapValue(flip(ROOT), key, value, good), RootMismatchError, 'another root');
    assert.throws(() => verifyMapValue(ROOT.subarray(1), key, value, good), ProofShapeError, 'a 31-byte root');
  }
  for (const k of V.absent_keys) {
    const key = utf8(k.key_utf8);
    for (const { desc, proof, wantErr } of probes(proofOf(k.proof))) {
      assert.throws(() => verifyMapAbsence(ROOT, key, proof), wantErr, `${k.key_utf8}: ${desc}`);
      count++;
    }
  }
  assert.ok(count > 400, `${count} probes`);
  assert.equal(toB64(rootFromMapProof(utf8('x'), undefined, proofOf(V.empty_tree.proof_for_any_key))), toB64(PLACEHOLDER));
});
