// Head tracking over the e2e log's three signed heads (e2e_log.json): honest
// updates are accepted; a rollback, a fork (two heads of one size, signed by the
// log's real key) and a head that its proof does not connect are misbehaviour
// errors whose evidence re-verifies on its own (golang/mod sumdb checkTrees).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProofShapeError, RootMismatchError, consistencyProof, leafHash, rootFromLeafHashes, verifyConsistency } from '../../src/merkle/index.ts';
import type { Hash } from '../../src/merkle/index.ts';
import {
  ForkError, InconsistentHeadError, LogHead, MisbehaviourError, RollbackError, advanceHead, decodeJson, evidenceJson, fromWireHead,
  isMisbehaviourError, parseLogKey, verifyHead,
} from '../../src/trustix/index.ts';
import type { SignedHead, VerifiedHead } from '../../src/trustix/index.ts';
import { flip, hex, loadVectors, toHex } from '../merkle/data.ts';
import { headOf, signHead, signerFromSeed } from './sign.ts';
import type { HeadFields } from './sign.ts';
import { trustixErrorOf } from './throws.ts';

interface ProofCase { first_size: number; second_size: number; first_root_hex: string; second_root_hex: string; proof_hex: string[] }
interface E2e {
  key: { ed25519_seed_hex: string; public_key_b64: string };
  heads: Array<{ after: string; head: HeadFields }>;
  log_entries_0_to_size_minus_1: Array<{ LeafDigest_hex: string }>;
  mh_log_entries: Array<{ LeafDigest_hex: string }>;
  log_consistency_proofs: ProofCase[];
  mh_log_consistency_proofs: ProofCase[];
}
const V = loadVectors<E2e>('e2e_log.json');
const KEY = parseLogKey(V.key.public_key_b64);
const SIGNER = signerFromSeed(V.key.ed25519_seed_hex);
const LEAVES = V.log_entries_0_to_size_minus_1.map((l) => hex(l.LeafDigest_hex) as Hash);
const MH_LEAVES = V.mh_log_entries.map((l) => hex(l.LeafDigest_hex) as Hash);
const [H0, H1, H2] = await Promise.all(V.heads.map((h) => verifyHead(headOf(h.head), KEY))) as [VerifiedHead, VerifiedHead, VerifiedHead];
const LOG_7_12 = V.log_consistency_proofs[0]!.proof_hex.map(hex);
const mhProof = (m: number, n: number): Uint8Array[] => consistencyProof(MH_LEAVES.slice(0, n), m);
const signed = (h: Omit<SignedHead, 'signature'>): Promise<VerifiedHead> => verifyHead(signHead(SIGNER, h), KEY);

test('e2e consistency proofs are the ones we build from the leaves, for both logs', () => {
  assert.deepEqual(H0.treeSize, 0n);
  assert.deepEqual(consistencyProof(LEAVES, 7).map(toHex), V.log_consistency_proofs[0]!.proof_hex);
  for (const c of V.mh_log_consistency_proofs) {
    assert.deepEqual(mhProof(c.first_size, c.second_size).map(toHex), c.proof_hex);
    verifyConsistency(BigInt(c.first_size), BigInt(c.second_size), c.proof_hex.map(hex), hex(c.first_root_hex), hex(c.second_root_hex));
  }
});

test('honest updates are accepted: 0 → 7 → 12, 0 → 12, and the same head again', () => {
  assert.equal(advanceHead(H0, H1, { log: [], mapHeadLog: mhProof(1, 2) }), H1);
  assert.equal(advanceHead(H1, H2, { log: LOG_7_12, mapHeadLog: V.mh_log_consistency_proofs[1]!.proof_hex.map(hex) }), H2);
  assert.equal(advanceHead(H0, H2, { log: [], mapHeadLog: V.mh_log_consistency_proofs[0]!.proof_hex.map(hex) }), H2);
  assert.equal(advanceHead(H1, H2, { log: LOG_7_12 }), H2, 'the map-head proof is optional');
  assert.equal(advanceHead(H2, H2, { log: [] }), H2);
  const resigned = { ...H2, signature: new Uint8Array(64) } as VerifiedHead;
  assert.equal(advanceHead(H2, resigned, { log: [] }), H2, 'same state: the head already held is kept');
});

test('rollback: a smaller head after a bigger one, with both heads as evidence', () => {
  const e = trustixErrorOf(() => advanceHead(H2, H1, { log: [] }), 'rollback', RollbackError);
  assert.equal(e.evidence.previous, H2);
  assert.equal(e.evidence.next, H1);
  assert.equal(e.evidence.log, 'log');
  assert.ok(isMisbehaviourError(e) && e instanceof MisbehaviourError);
});

test('rollback of the map-head log alone', async () => {
  const h = await signed({ ...H2, treeSize: 13n, mhTreeSize: 2n });
  const e = trustixErrorOf(() => advanceHead(H2, h, { log: [] }), 'rollback', RollbackError);
  assert.equal(e.evidence.log, 'map-head-log');
});

test('fork: a second head of size 12 whose last leaf differs, signed by the log', async () => {
  const forked = [...LEAVES.slice(0, 11), leafHash(new TextEncoder().encode('another build'))];
  const other = await signed({ ...H2, logRoot: rootFromLeafHashes(forked) });
  const e = trustixErrorOf(() => advanceHead(H2, other, { log: [] }), 'fork', ForkError);
  assert.deepEqual([e.evidence.previous, e.evidence.next], [H2, other]);
  const mapOnly = await signed({ ...H2, mapRoot: flip(H2.mapRoot) as Hash });
  trustixErrorOf(() => advanceHead(H2, mapOnly, { log: [] }), 'fork', ForkError);
  const mhOnly = await signed({ ...H2, treeSize: 13n, mhRoot: flip(H2.mhRoot) as Hash });
  assert.equal(trustixErrorOf(() => advanceHead(H2, mhOnly, { log: [] }), 'fork', ForkError).evidence.log, 'map-head-log');
});

test('inconsistent-head: a bigger head that the offered proof does not connect to the old one', async () => {
  const rewritten = [leafHash(new TextEncoder().encode('rewritten history')), ...LEAVES.slice(1)];
  const liar = await signed({ ...H2, logRoot: rootFromLeafHashes(rewritten) });
  const probes: Array<{ desc: string; next: VerifiedHead; log: readonly Uint8Array[]; cause: typeof ProofShapeError | typeof RootMismatchError }> = [
    { desc: 'rewritten history, honest proof', next: liar, log: LOG_7_12, cause: RootMismatchError },
    { desc: 'rewritten history, its own proof', next: liar, log: consistencyProof(rewritten, 7), cause: RootMismatchError },
    { desc: 'proof bit flipped', next: H2, log: LOG_7_12.map((p, i) => (i === 2 ? flip(p) : p)), cause: RootMismatchError },
    { desc: 'proof hash dropped (Trustix panics)', next: H2, log: LOG_7_12.slice(1), cause: ProofShapeError },
    { desc: 'junk hash prepended (Trustix accepts)', next: H2, log: [new Uint8Array(32), ...LOG_7_12], cause: ProofShapeError },
    { desc: 'empty proof (Trustix panics)', next: H2, log: [], cause: ProofShapeError },
    { desc: 'proof for another range', next: H2, log: consistencyProof(LEAVES, 6), cause: ProofShapeError },
  ];
  for (const p of probes) {
    const e = trustixErrorOf(() => advanceHead(H1, p.next, { log: p.log }), 'inconsistent-head', InconsistentHeadError);
    assert.ok(e.cause instanceof p.cause, `${p.desc}: ${String(e.cause)}`);
    assert.deepEqual(e.evidence.proof, p.log, p.desc);
  }
  const badMh = trustixErrorOf(() => advanceHead(H1, H2, { log: LOG_7_12, mapHeadLog: mhProof(1, 3) }), 'inconsistent-head', InconsistentHeadError);
  assert.equal(badMh.evidence.log, 'map-head-log');
});

test('evidence stands on its own: its JSON heads re-verify with the key and the proof fails again', async () => {
  const rewritten = [leafHash(new TextEncoder().encode('x')), ...LEAVES.slice(1)];
  const liar = await signed({ ...H2, logRoot: rootFromLeafHashes(rewritten) });
  const e = trustixErrorOf(() => advanceHead(H1, liar, { log: LOG_7_12 }), 'inconsistent-head', InconsistentHeadError);
  const json = JSON.parse(JSON.stringify(evidenceJson(e.evidence))) as { log: string; previous: unknown; next: unknown; proof: string[] };
  assert.equal(json.log, 'log');
  const previous = await verifyHead(fromWireHead(decodeJson(LogHead, JSON.stringify(json.previous))), KEY);
  const next = await verifyHead(fromWireHead(decodeJson(LogHead, JSON.stringify(json.next))), KEY);
  assert.throws(() => verifyConsistency(previous.treeSize, next.treeSize, json.proof.map(hex), previous.logRoot, next.logRoot), RootMismatchError);
  const fork = trustixErrorOf(() => advanceHead(H2, H1, { log: [] }), 'rollback', RollbackError);
  assert.equal('proof' in evidenceJson({ previous: fork.evidence.previous, next: fork.evidence.next, log: 'log' }), false);
});
