// The stored-subtree log (stored.ts) against the in-memory builders of prove.ts:
// the same roots and proofs for every size up to 70 and a few large ones, the
// vlog.json vectors, and the ranges that have no proof refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ProofShapeError, consistencyProof, inclusionProof, leafHash, nodesToAppend, rootFromLeafHashes, storedConsistencyProof,
  storedInclusionProof, storedRoot, toHex, verifyConsistency, verifyInclusion,
} from '../../src/merkle/index.ts';
import type { Hash, SubtreeReader } from '../../src/merkle/index.ts';
import { hex, loadVectors } from './data.ts';

/** A log in a Map, filled the way a database would be: only what nodesToAppend returns. */
function storedLog(leaves: readonly Hash[]): { read: SubtreeReader; count: () => number } {
  const nodes = new Map<string, Hash>();
  let reads = 0;
  const read: SubtreeReader = (level, index) => {
    reads += 1;
    const h = nodes.get(`${level}/${index}`);
    if (h === undefined) throw new Error(`no node ${level}/${index}`);
    return h;
  };
  leaves.forEach((leaf, i) => {
    for (const n of nodesToAppend(i, leaf, read)) nodes.set(`${n.level}/${n.index}`, n.hash);
  });
  return { read, count: () => reads };
}

const leavesOf = (n: number): Hash[] => Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${i}`)));

test('stored log: roots, inclusion and consistency proofs equal prove.ts for every size up to 70', () => {
  const all = leavesOf(70);
  const { read } = storedLog(all);
  for (let n = 0; n <= all.length; n++) {
    const leaves = all.slice(0, n);
    assert.equal(toHex(storedRoot(n, read)), toHex(rootFromLeafHashes(leaves)), `root ${n}`);
    for (let i = 0; i < n; i++) assert.deepEqual(storedInclusionProof(i, n, read), inclusionProof(leaves, i), `path ${i} of ${n}`);
    for (let m = 0; m <= n; m++) assert.deepEqual(storedConsistencyProof(m, n, read), consistencyProof(leaves, m), `proof ${m} → ${n}`);
  }
});

test('stored log: a large log costs logarithmic reads and its proofs verify', () => {
  const all = leavesOf(5000);
  const log = storedLog(all);
  for (const [m, n] of [[1, 4999], [1024, 5000], [3333, 4097], [4096, 4096], [17, 18]] as const) {
    const before = log.count();
    const proof = storedConsistencyProof(m, n, log.read);
    verifyConsistency(BigInt(m), BigInt(n), proof, storedRoot(m, log.read), storedRoot(n, log.read));
    assert.ok(log.count() - before < 200, `${log.count() - before} reads for ${m} → ${n}`);
  }
  for (const i of [0, 1, 2047, 2048, 4095, 4999]) {
    verifyInclusion(BigInt(i), 5000n, all[i]!, storedInclusionProof(i, 5000, log.read), storedRoot(5000, log.read));
  }
});

test('stored log: vlog.json roots', () => {
  const V = loadVectors<{ leaves: Array<{ data_hex: string }>; roots: Array<{ size: number; root: string }> }>('vlog.json');
  const { read } = storedLog(V.leaves.map((l) => leafHash(hex(l.data_hex))));
  assert.ok(V.roots.length > 10);
  for (const r of V.roots) if (r.size <= V.leaves.length) assert.equal(toHex(storedRoot(r.size, read)), r.root);
});

test('stored log: ranges without a proof are ProofShapeErrors, never made-up lists', () => {
  const { read } = storedLog(leavesOf(5));
  for (const f of [
    () => storedInclusionProof(5, 5, read), () => storedInclusionProof(-1, 5, read), () => storedInclusionProof(0, 0, read),
    () => storedConsistencyProof(4, 3, read), () => storedConsistencyProof(-1, 3, read), () => storedRoot(1.5, read),
  ]) assert.throws(f, ProofShapeError);
});

test('stored log: a reader that remembers incomplete ranges gives the same roots and proofs, with fewer reads', () => {
  const all = leavesOf(3000);
  const plain = storedLog(all);
  const memo = storedLog(all);
  const read: SubtreeReader = Object.assign((l: number, i: number) => memo.read(l, i), { ranges: new Map<string, Hash>() });
  for (const size of [2999, 3000, 1500]) {
    assert.equal(toHex(storedRoot(size, read)), toHex(storedRoot(size, plain.read)));
    for (const i of [0, 1, 1023, 1024, 2047, 2048, size - 1].filter((x) => x < size)) assert.deepEqual(storedInclusionProof(i, size, read), storedInclusionProof(i, size, plain.read));
    for (const m of [1, 17, 1024, 1500, size]) if (m <= size) assert.deepEqual(storedConsistencyProof(m, size, read), storedConsistencyProof(m, size, plain.read));
  }
  assert.ok(memo.count() < plain.count(), `${memo.count()} reads with ranges remembered, ${plain.count()} without`);
});
