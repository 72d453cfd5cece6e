// signed_head.json: the three heads of the vector log — message, digest, the Go
// signature reproduced from the seed, binary and JSON encodings — then a
// corruption table: every changed field, signature or signer is a bad-head-signature.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Hash } from '../../src/merkle/index.ts';
import {
  BadHeadSignatureError, LogHead, NIX_PROTOCOL, decodeBinary, decodeJson, deriveLogId, encodeBinary, encodeJson, fromWireHead,
  headDigest, headMessage, logKeyFromRaw, parseLogKey, sameHead, toWireHead, verifyHead,
} from '../../src/trustix/index.ts';
import type { SignedHead } from '../../src/trustix/index.ts';
import { b64, flip, loadVectors, toB64, toHex } from '../merkle/data.ts';
import { type HeadFields, headOf, signHead, signerFromSeed } from './sign.ts';
import { rejectsWith, trustixErrorOf } from './throws.ts';

interface HeadJson extends HeadFields {
  signed_message_hex: string; signed_digest_hex: string; ed25519_verify_digest: boolean; trustix_VerifyLogHeadSig: boolean;
  protobuf_b64: string; protojson: string;
}
interface Heads {
  ed25519_seed_hex: string; public_key_b64: string; log_id_nix: string;
  empty_log_head: HeadJson; head_after_batch_1: HeadJson; head_after_batch_2: HeadJson; tampered: { note: string; verify: boolean };
}
const V = loadVectors<Heads>('signed_head.json');
const SIGNER = signerFromSeed(V.ed25519_seed_hex);
const KEY = parseLogKey(V.public_key_b64);
const HEADS = [V.empty_log_head, V.head_after_batch_1, V.head_after_batch_2];


test('signed_head: the seed gives the public key and the log ID', () => {
  assert.equal(SIGNER.key.base64, V.public_key_b64);
  assert.equal(deriveLogId(NIX_PROTOCOL, KEY), V.log_id_nix);
});

test('signed_head: message, digest and Go\'s signature for each of the three heads, and they verify', async () => {
  for (const j of HEADS) {
    const h = headOf(j);
    assert.ok(j.ed25519_verify_digest && j.trustix_VerifyLogHeadSig);
    assert.equal(toHex(headMessage(h)), j.signed_message_hex);
    assert.equal(toHex(headDigest(h)), j.signed_digest_hex);
    assert.equal(toB64(signHead(SIGNER, h).signature), j.Signature_b64, 'ed25519 is deterministic');
    assert.equal(await verifyHead(h, KEY), h);
  }
});

test('signed_head: binary and JSON LogHead decode to the head and re-encode byte for byte', () => {
  for (const j of HEADS) {
    const h = headOf(j);
    const fromBinary = fromWireHead(decodeBinary(LogHead, b64(j.protobuf_b64)));
    assert.deepEqual(fromBinary, h);
    assert.deepEqual(fromWireHead(decodeJson(LogHead, j.protojson)), h);
    assert.equal(toB64(encodeBinary(LogHead, toWireHead(h))), j.protobuf_b64);
    assert.equal(encodeJson(LogHead, toWireHead(h)), j.protojson);
  }
});

test('signed_head tampered: TreeSize + 1 does not verify', async () => {
  assert.equal(V.tampered.verify, false);
  const h = headOf(V.head_after_batch_2);
  const e = await rejectsWith(verifyHead({ ...h, treeSize: h.treeSize + 1n }, KEY), 'bad-head-signature', BadHeadSignatureError);
  assert.equal(e.head.treeSize, 13n);
});

test('head signature corruption table: every probe is a BadHeadSignatureError', async () => {
  const h = headOf(V.head_after_batch_1);
  const other = headOf(V.head_after_batch_2);
  const otherKey = signerFromSeed('11'.repeat(32));
  const probes: Array<{ desc: string; head: SignedHead; key?: typeof KEY }> = [
    { desc: 'LogRoot bit flipped', head: { ...h, logRoot: flip(h.logRoot) as Hash } },
    { desc: 'MapRoot bit flipped', head: { ...h, mapRoot: flip(h.mapRoot, 31, 7) as Hash } },
    { desc: 'MHRoot bit flipped', head: { ...h, mhRoot: flip(h.mhRoot, 16, 0) as Hash } },
    { desc: 'TreeSize - 1', head: { ...h, treeSize: h.treeSize - 1n } },
    { desc: 'TreeSize * 2', head: { ...h, treeSize: h.treeSize * 2n } },
    { desc: 'TreeSize + 2^32 (high half of LE64)', head: { ...h, treeSize: h.treeSize + (1n << 32n) } },
    { desc: 'MHTreeSize + 1', head: { ...h, mhTreeSize: h.mhTreeSize + 1n } },
    { desc: 'LogRoot and MapRoot swapped', head: { ...h, logRoot: h.mapRoot, mapRoot: h.logRoot } },
    { desc: 'sizes swapped', head: { ...h, treeSize: h.mhTreeSize, mhTreeSize: h.treeSize } },
    { desc: 'signature bit flipped (R)', head: { ...h, signature: flip(h.signature, 0, 0) } },
    { desc: 'signature bit flipped (S)', head: { ...h, signature: flip(h.signature, 63, 0) } },
    { desc: 'signature of 63 bytes', head: { ...h, signature: h.signature.subarray(0, 63) } },
    { desc: 'signature with a garbage byte', head: { ...h, signature: Uint8Array.of(...h.signature, 0) } },
    { desc: 'all-zero signature', head: { ...h, signature: new Uint8Array(64) } },
    { desc: 'another head\'s signature', head: { ...h, signature: other.signature } },
    { desc: 'signature over the message, not its digest', head: { ...h, signature: SIGNER.sign(headMessage(h)) } },
    { desc: 'wrong signer', head: signHead(otherKey, h) },
    { desc: 'right head, other key', head: h, key: otherKey.key },
    { desc: 'right head, all-zero key', head: h, key: logKeyFromRaw(new Uint8Array(32)) },
  ];
  for (const p of probes) await rejectsWith(verifyHead(p.head, p.key ?? KEY), 'bad-head-signature', BadHeadSignatureError);
  await verifyHead(signHead(otherKey, h), otherKey.key);
});

test('wire.json GetHead answer has an all-zero signature: it decodes, and does not verify', async () => {
  const wire = loadVectors<{ rpcs: Record<string, { response: { protobuf_b64: string } }> }>('wire.json');
  const h = fromWireHead(decodeBinary(LogHead, b64(wire.rpcs['LogAPI.GetHead']!.response.protobuf_b64)));
  assert.deepEqual(h.signature, new Uint8Array(64));
  await rejectsWith(verifyHead(h, KEY), 'bad-head-signature', BadHeadSignatureError);
});

test('fromWireHead: hashes must be 32 bytes and the signature 64', () => {
  const w = toWireHead(headOf(V.head_after_batch_2));
  for (const [field, len] of [['LogRoot', 31], ['MapRoot', 33], ['MHRoot', 0], ['Signature', 63], ['Signature', 65]] as const) {
    trustixErrorOf(() => fromWireHead({ ...w, [field]: new Uint8Array(len) }), 'malformed');
  }
});

test('verifyHead takes the Ed25519 check as a function (the host may use libsodium or a worker)', async () => {
  const h = headOf(V.empty_log_head);
  const seen: string[] = [];
  const head = await verifyHead(h, KEY, (msg, sig, key) => {
    seen.push(`${toHex(msg)} ${sig.length} ${key.name}:${toB64(key.raw)}`);
    return Promise.resolve(true);
  });
  assert.equal(head, h);
  assert.deepEqual(seen, [`${V.empty_log_head.signed_digest_hex} 64 ${KEY.text}`]);
  await rejectsWith(verifyHead(h, KEY, () => Promise.resolve(false)), 'bad-head-signature', BadHeadSignatureError);
  await assert.rejects(verifyHead(h, KEY, () => Promise.reject(new Error('worker died'))), /worker died/);
  assert.ok(sameHead(h, { ...h, signature: new Uint8Array(64) }));
  assert.ok(!sameHead(h, headOf(V.head_after_batch_1)));
});
