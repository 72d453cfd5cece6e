// Inclusion proofs: every (index, size <= 20) audit path in vlog.json rebuilt byte
// for byte and verified, then a corruption table per proof (transparency-dev/merkle
// proof/verify_test.go), and Trustix's generator edge cases refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ProofShapeError, RootMismatchError, inclusionProof, leafHash, rootFromInclusionProof, rootFromLeafHashes, toHex,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { assertFails, inclusionProbes } from './corrupt.ts';
import { hex, loadVectors } from './data.ts';

interface Vlog {
  leaves: Array<{ data_hex: string }>;
  audit_proofs: Array<{
    index: number; tree_size: number; leaf_hash: string; root: string; proof: string[];
    equals_rfc6962_path: boolean; rfc9162_verify: boolean;
  }>;
  generator_edge_cases: Array<{ call: string; index?: number; tree_size?: number; first_size?: number; second_size?: number; proof: string[]; error: null }>;
}
const V = loadVectors<Vlog>('vlog.json');
const LEAVES = V.leaves.map((l) => leafHash(hex(l.data_hex)));

test('vlog audit_proofs: all 210 pairs rebuilt byte for byte and verified', () => {
  assert.equal(V.audit_proofs.length, 210);
  for (const c of V.audit_proofs) {
    const at = `index ${c.index} size ${c.tree_size}`;
    assert.ok(c.equals_rfc6962_path && c.rfc9162_verify, at);
    const leaves = LEAVES.slice(0, c.tree_size);
    assert.equal(toHex(leaves[c.index]!), c.leaf_hash, at);
    assert.equal(toHex(rootFromLeafHashes(leaves)), c.root, at);
    assert.deepEqual(inclusionProof(leaves, c.index).map(toHex), c.proof, at);
    const proof = c.proof.map(hex);
    verifyInclusion(BigInt(c.index), BigInt(c.tree_size), hex(c.leaf_hash), proof, hex(c.root));
    assert.equal(toHex(rootFromInclusionProof(BigInt(c.index), BigInt(c.tree_size), hex(c.leaf_hash), proof)), c.root);
  }
});

test('vlog audit_proofs: every corruption of every proof fails with its error class', () => {
  let probes = 0;
  for (const c of V.audit_proofs) {
    const probesHere = inclusionProbes(BigInt(c.index), BigInt(c.tree_size), hex(c.leaf_hash), c.proof.map(hex), hex(c.root));
    for (const p of probesHere) {
      const desc = `index ${c.index} size ${c.tree_size}: ${p.desc}`;
      assertFails(() => verifyInclusion(p.index, p.size, p.leaf, p.proof, p.root), p.wantErr, 'bad-inclusion-proof', desc);
      probes++;
    }
  }
  assert.ok(probes > 3000, `${probes} probes`);
});

test('shape is checked before hashing: negative or huge numbers, wrong lengths', () => {
  const leaf = LEAVES[0]!;
  const root = rootFromLeafHashes(LEAVES.slice(0, 2));
  const proof = [LEAVES[1]!];
  verifyInclusion(0n, 2n, leaf, proof, root);
  for (const [index, size] of [[-1n, 2n], [0n, -2n], [0n, 0n], [2n, 2n], [0n, 1n << 64n]] as const) {
    assert.throws(() => verifyInclusion(index, size, leaf, proof, root), ProofShapeError, `${index}/${size}`);
  }
  assert.throws(() => verifyInclusion(0n, 2n, leaf, [], root), ProofShapeError);
  assert.throws(() => verifyInclusion(0n, 2n, leaf, [root], LEAVES[2]!), RootMismatchError);
  const e = (() => { try { verifyInclusion(0n, 2n, leaf, [root], root); } catch (x) { return x; } })();
  assert.ok(e instanceof RootMismatchError && e.which === 'root' && toHex(e.expected) === toHex(root));
});

test('generator_edge_cases: Trustix returns [] or junk for audit ranges that have no proof; we refuse', () => {
  const cases = V.generator_edge_cases.filter((c) => c.call === 'AuditProof');
  assert.equal(cases.length, 4);
  for (const c of cases) {
    const leaves = LEAVES.slice(0, c.tree_size);
    const index = c.index!;
    if (index < c.tree_size!) {
      assert.deepEqual(inclusionProof(leaves, index).map(toHex), c.proof, 'a real range gives what Trustix gives');
    } else {
      assert.throws(() => inclusionProof(leaves, index), ProofShapeError, `index ${index} size ${c.tree_size}: Trustix gave ${c.proof.length} hashes`);
    }
  }
});
