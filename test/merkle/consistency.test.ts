// Consistency proofs: every 1 <= m < n <= 20 proof in vlog.json rebuilt byte for
// byte and verified, a corruption table per proof, and where Trustix's own lenient
// verifier (SPEC §3.5, §9 bug 3) accepts or panics, a typed error here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  EMPTY_ROOT, ProofShapeError, RootMismatchError, consistencyProof, leafHash, rootFromLeafHashes, toHex, verifyConsistency,
} from '../../src/merkle/index.ts';
import { assertFails, consistencyProbes } from './corrupt.ts';
import { hex, loadVectors } from './data.ts';

interface ConsistencyCase {
  first_size: number; second_size: number; first_root: string; second_root: string; proof: string[];
}
interface Vlog {
  leaves: Array<{ data_hex: string }>;
  consistency_proofs: Array<ConsistencyCase & { equals_rfc6962_proof: boolean; trustix_ValidConsistencyProof: boolean; rfc9162_verify: boolean }>;
  generator_edge_cases: Array<{ call: string; first_size?: number; second_size?: number; proof: string[] }>;
  trustix_consistency_verifier_behaviour: Array<ConsistencyCase & { case: string; trustix_result: boolean | string; rfc9162_result?: boolean }>;
}
const V = loadVectors<Vlog>('vlog.json');
const LEAVES = V.leaves.map((l) => leafHash(hex(l.data_hex)));
const root = (n: number): Uint8Array => rootFromLeafHashes(LEAVES.slice(0, n));

test('vlog consistency_proofs: all 190 pairs rebuilt byte for byte and verified', () => {
  assert.equal(V.consistency_proofs.length, 190);
  for (const c of V.consistency_proofs) {
    const at = `${c.first_size} -> ${c.second_size}`;
    assert.ok(c.equals_rfc6962_proof && c.trustix_ValidConsistencyProof && c.rfc9162_verify, at);
    assert.equal(toHex(root(c.first_size)), c.first_root, at);
    assert.equal(toHex(root(c.second_size)), c.second_root, at);
    assert.deepEqual(consistencyProof(LEAVES.slice(0, c.second_size), c.first_size).map(toHex), c.proof, at);
    verifyConsistency(BigInt(c.first_size), BigInt(c.second_size), c.proof.map(hex), hex(c.first_root), hex(c.second_root));
  }
});

test('vlog consistency_proofs: every corruption of every proof fails with its error class', () => {
  let probes = 0;
  for (const c of V.consistency_proofs) {
    for (const p of consistencyProbes(BigInt(c.first_size), BigInt(c.second_size), c.proof.map(hex), hex(c.first_root), hex(c.second_root))) {
      const desc = `${c.first_size} -> ${c.second_size}: ${p.desc}`;
      assertFails(() => verifyConsistency(p.size1, p.size2, p.proof, p.root1, p.root2), p.wantErr, 'bad-consistency-proof', desc);
      probes++;
    }
  }
  assert.ok(probes > 4000, `${probes} probes`);
});

test('trustix_consistency_verifier_behaviour: strict RFC 9162 where Trustix is lenient or panics', () => {
  const byCase = new Map(V.trustix_consistency_verifier_behaviour.map((c) => [c.case, c]));
  assert.equal(byCase.size, 6);
  const run = (c: ConsistencyCase, proof = c.proof, root1 = c.first_root): void =>
    verifyConsistency(BigInt(c.first_size), BigInt(c.second_size), proof.map(hex), hex(root1), hex(c.second_root));

  const valid = byCase.get('valid proof')!;
  assert.equal(valid.trustix_result, true);
  run(valid);

  const replaced = byCase.get('first proof element replaced')!;
  assert.equal(replaced.trustix_result, false);
  assert.throws(() => run(replaced), RootMismatchError);

  const junk = byCase.get('junk element prepended (Trustix ignores unused leading elements)')!;
  assert.equal(junk.trustix_result, true, 'Trustix accepts it');
  assert.throws(() => run(junk), ProofShapeError);

  const dropped = byCase.get('first element dropped (Trustix verifier panics on short proofs)')!;
  assert.match(String(dropped.trustix_result), /^panic/);
  assert.throws(() => run(dropped), ProofShapeError);

  const zero = byCase.get('old size 0 is always accepted')!;
  assert.equal(zero.first_root, '', 'Trustix is given no old root at all');
  assert.throws(() => run(zero), ProofShapeError, 'an old root must be 32 bytes');
  run(zero, [], toHex(EMPTY_ROOT));
  assert.throws(() => run(zero, [], toHex(root(1))), RootMismatchError, 'size 0 has the empty root');
  assert.throws(() => run(zero, [valid.proof[0]!], toHex(EMPTY_ROOT)), ProofShapeError, 'size 0 takes an empty proof');

  const equal = byCase.get('equal sizes: roots compared, proof ignored')!;
  assert.equal(equal.trustix_result, true);
  assert.throws(() => run(equal), ProofShapeError, 'equal sizes take an empty proof');
  run(equal, []);
  assert.throws(() => run(equal, [], toHex(root(19))), RootMismatchError);
});

test('generator_edge_cases: Trustix returns [] for every bad range; we return [] only for size 0 and equal sizes', () => {
  const cases = V.generator_edge_cases.filter((c) => c.call === 'ConsistencyProof');
  assert.equal(cases.length, 4);
  for (const c of cases) {
    const m = c.first_size!;
    const n = c.second_size!;
    assert.deepEqual(c.proof, []);
    if (m <= n) assert.deepEqual(consistencyProof(LEAVES.slice(0, n), m), [], `${m} -> ${n}`);
    else assert.throws(() => consistencyProof(LEAVES.slice(0, n), m), ProofShapeError, `${m} -> ${n}`);
  }
});

test('equal sizes and size 0 need no hashing beyond the roots', () => {
  verifyConsistency(0n, 0n, [], EMPTY_ROOT, EMPTY_ROOT);
  verifyConsistency(0n, 5n, [], EMPTY_ROOT, root(5));
  verifyConsistency(5n, 5n, [], root(5), root(5));
  assert.throws(() => verifyConsistency(5n, 5n, [], root(5), root(6)), RootMismatchError);
  assert.throws(() => verifyConsistency(-1n, 5n, [], root(5), root(6)), ProofShapeError);
  assert.throws(() => verifyConsistency(1n, 1n << 64n, [], root(5), root(6)), ProofShapeError);
});
