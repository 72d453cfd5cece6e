// The log node's handler, without ports (requests in, responses out): every read
// procedure in JSON and in binary protobuf against the publisher's answers, the
// Connect error table, the write gate (Trustix-Token, as a Go client sends it),
// heads committed by another process, and random bodies that must never escape as
// anything but a Connect error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, test } from 'node:test';
import { sha256, toHex, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import {
  Log, LogHead, NIX_PROTOCOL, PROCEDURES as P, connectError, encodeJson, fromWireHead, kvLeafHash, parseWriteToken, tokenHeader, verifyHead, verifyMapAbsence, verifyMapValue,
} from '../../src/trustix/index.ts';
import { createLogHandler } from '../../src/logserver/handler.ts';
import { appendItems, openLog } from '../../src/logserver/log.ts';
import { logReader } from '../../src/logserver/service.ts';
import { newLogKeyFiles } from '../../src/logserver/state.ts';
import { loadVectors, utf8 } from '../merkle/data.ts';
import { Publisher } from '../trustix/publisher.ts';
import { signerFromSeed } from '../trustix/sign.ts';
import { E2E, SECRET, call, itemsOf, newLog, request, tempDir } from './fixture.ts';
import type { Codec } from './fixture.ts';

const tmp = tempDir('tv-handler-');
after(() => tmp.remove());
const LOG_ID = E2E.key.log_id;
const log = newLog(`${tmp.dir}/log.db`);
appendItems(log, itemsOf(E2E.submit_batch_1), SECRET.sign);
appendItems(log, itemsOf(E2E.submit_batch_2), SECRET.sign);
const pub = new Publisher(signerFromSeed(E2E.key.ed25519_seed_hex));
pub.flush(itemsOf(E2E.submit_batch_1));
pub.flush(itemsOf(E2E.submit_batch_2));
const reader = logReader(log);
const h = createLogHandler({ reader, meta: { upstream: 'https://cache.nixos.org' } });
const CODECS: Codec[] = ['json', 'proto'];

test('handler: Logs advertises the log as Trustix would (e2e log_meta_protojson), filtered by protocol UUID', () => {
  const V = loadVectors<{ log_meta_protojson: string }>('e2e_log.json');
  assert.equal(call(h, P['NodeAPI.Logs'], { Protocols: [] }).res.body, `{"Logs":[${V.log_meta_protojson}]}`);
  for (const codec of CODECS) {
    assert.equal(encodeJson(Log, call(h, P['NodeAPI.Logs'], { Protocols: [NIX_PROTOCOL.id] }, codec).msg!.Logs[0]!), V.log_meta_protojson);
    assert.equal(call(h, P['NodeAPI.Logs'], { Protocols: ['nix'] }, codec).msg?.Logs.length, 0, 'a name is not a UUID');
  }
});

test('handler: GetHead, GetLogEntries, proofs and GetValue answer what the publisher answers, in both codecs', async () => {
  for (const codec of CODECS) {
    const head = call(h, P['LogAPI.GetHead'], { LogID: LOG_ID }, codec).msg!;
    assert.deepEqual(fromWireHead(head), pub.head);
    await verifyHead(fromWireHead(head), SECRET.key);
    const leaves = call(h, P['LogAPI.GetLogEntries'], { LogID: LOG_ID, Start: 0n, Finish: 11n }, codec).msg!.Leaves;
    assert.deepEqual(leaves.map((l) => toHex(l.LeafDigest)), pub.leaves.map((l) => toHex(l.LeafDigest)));
    for (const [i, size] of [[0, 12], [5, 12], [11, 12], [3, 7]] as const) {
      const proof = call(h, P['LogAPI.GetLogAuditProof'], { LogID: LOG_ID, Index: BigInt(i), TreeSize: BigInt(size) }, codec).msg!.Proof;
      assert.deepEqual(proof.map(toHex), pub.audit(i, size).map(toHex));
    }
    const cons = call(h, P['LogAPI.GetLogConsistencyProof'], { LogID: LOG_ID, FirstSize: 7n, SecondSize: 12n }, codec).msg!.Proof;
    verifyConsistency(7n, 12n, cons, pub.heads[1]!.logRoot, pub.head.logRoot);
    const mh = call(h, P['LogAPI.GetMHLogConsistencyProof'], { LogID: LOG_ID, FirstSize: 1n, SecondSize: 3n }, codec).msg!.Proof;
    verifyConsistency(1n, 3n, mh, pub.heads[0]!.mhRoot, pub.head.mhRoot);
    assert.equal(call(h, P['LogAPI.GetMHLogEntries'], { LogID: LOG_ID, Start: 0n, Finish: 2n }, codec).msg!.Leaves.length, 3);
    assert.deepEqual(call(h, P['LogAPI.GetMHLogAuditProof'], { LogID: LOG_ID, Index: 1n, TreeSize: 3n }, codec).msg!.Proof.length, 2);
    for (const [n, item] of itemsOf(E2E.submit_batch_1).entries()) {
      const mv = call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: item.key, MapRoot: pub.head.mapRoot }, codec).msg!;
      assert.deepEqual(mv, pub.mapValue(item.key));
      verifyMapValue(pub.head.mapRoot, item.key, mv.Value, mv.Proof);
      const atOld = call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: item.key, MapRoot: pub.heads[1]!.mapRoot }, codec).msg!;
      verifyMapValue(pub.heads[1]!.mapRoot, item.key, atOld.Value, atOld.Proof);
      const value = call(h, P['NodeAPI.GetValue'], { Digest: sha256(item.value) }, codec).msg!.Value;
      assert.deepEqual(value, item.value);
      const audit = call(h, P['LogAPI.GetLogAuditProof'], { LogID: LOG_ID, Index: BigInt(n), TreeSize: 12n }, codec).msg!.Proof;
      verifyInclusion(BigInt(n), 12n, kvLeafHash(item.key, sha256(item.value)), audit, pub.head.logRoot);
    }
    const absent = utf8('/nix/store/00000000000000000000000000000000-absent');
    const none = call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: absent, MapRoot: pub.head.mapRoot }, codec).msg!;
    assert.equal(none.Value.length, 0);
    verifyMapAbsence(pub.head.mapRoot, absent, none.Proof);
  }
});

test('handler: refusals are Connect errors with the right code and status', () => {
  const cases: Array<[string, () => ReturnType<typeof h>, string, number]> = [
    ['another log', () => call(h, P['LogAPI.GetHead'], { LogID: 'f'.repeat(64) }).res, 'not_found', 404],
    ['entries past the head', () => call(h, P['LogAPI.GetLogEntries'], { LogID: LOG_ID, Start: 0n, Finish: 12n }).res, 'out_of_range', 400],
    ['entries backwards', () => call(h, P['LogAPI.GetLogEntries'], { LogID: LOG_ID, Start: 3n, Finish: 2n }).res, 'invalid_argument', 400],
    ['a uint64 past 2^53', () => call(h, P['LogAPI.GetLogEntries'], { LogID: LOG_ID, Start: 0n, Finish: (1n << 64n) - 1n }).res, 'out_of_range', 400],
    ['audit index = size', () => call(h, P['LogAPI.GetLogAuditProof'], { LogID: LOG_ID, Index: 7n, TreeSize: 7n }).res, 'invalid_argument', 400],
    ['audit past the head', () => call(h, P['LogAPI.GetLogAuditProof'], { LogID: LOG_ID, Index: 0n, TreeSize: 13n }).res, 'out_of_range', 400],
    ['consistency backwards', () => call(h, P['LogAPI.GetLogConsistencyProof'], { LogID: LOG_ID, FirstSize: 8n, SecondSize: 7n }).res, 'invalid_argument', 400],
    ['consistency past the head', () => call(h, P['LogAPI.GetMHLogConsistencyProof'], { LogID: LOG_ID, FirstSize: 1n, SecondSize: 4n }).res, 'out_of_range', 400],
    ['a map root never signed', () => call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: utf8('x'), MapRoot: new Uint8Array(32).fill(7) }).res, 'not_found', 404],
    ['a short map root', () => call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: utf8('x'), MapRoot: new Uint8Array(31) }).res, 'invalid_argument', 400],
    ['an unknown value', () => call(h, P['NodeAPI.GetValue'], { Digest: new Uint8Array(32) }).res, 'not_found', 404],
    ['a missing required field', () => h(request(P['LogAPI.GetHead'].path, '{}', { 'content-type': 'application/json' })), 'invalid_argument', 400],
    ['camelCase keys', () => h(request(P['LogAPI.GetHead'].path, `{"logID":"${LOG_ID}"}`, { 'content-type': 'application/json' })), 'invalid_argument', 400],
    ['not protobuf', () => h(request(P['LogAPI.GetHead'].path, Uint8Array.of(0x0a, 0x40, 1), { 'content-type': 'application/proto' })), 'invalid_argument', 400],
    ['not UTF-8', () => h(request(P['LogAPI.GetHead'].path, Uint8Array.of(0xff, 0xfe), { 'content-type': 'application/json' })), 'invalid_argument', 400],
    ['connect-protocol-version 2', () => call(h, P['LogAPI.GetHead'], { LogID: LOG_ID }, 'json', { 'connect-protocol-version': '2' }).res, 'invalid_argument', 400],
    ['a bad timeout', () => call(h, P['LogAPI.GetHead'], { LogID: LOG_ID }, 'json', { 'connect-timeout-ms': '-1' }).res, 'invalid_argument', 400],
    ['Submit on a read-only node', () => call(h, P['LogRPC.Submit'], { LogID: LOG_ID, Items: [] }).res, 'permission_denied', 403],
  ];
  for (const [what, run, code, status] of cases) {
    const res = run();
    assert.equal(res.status, status, what);
    assert.equal(res.headers['content-type'], 'application/json', what);
    assert.equal(connectError(res.status, String(res.body)).code, code, `${what}: ${String(res.body)}`);
  }
  const json = (codec: string) => h(request(P['LogAPI.GetHead'].path, `{"LogID":"${LOG_ID}"}`, { 'content-type': codec })).status;
  assert.equal(json('application/json; charset=utf-8'), 200);
  assert.equal(json('application/json; charset=latin1'), 415);
  assert.equal(json('text/plain'), 415);
  assert.equal(h(request(P['LogAPI.GetHead'].path, '', {}, 'GET')).status, 405);
  const unknown = h(request('/trustix_api.v1.LogAPI/Nope', '{}', { 'content-type': 'application/json' }));
  assert.equal(unknown.status, 404);
  assert.match(String(unknown.body), /page not found/);
});

test('handler: random bodies for every procedure in both codecs end in a Connect answer, never a throw', () => {
  for (const p of Object.values(P)) {
    for (const codec of CODECS) {
      for (let i = 0; i < 40; i++) {
        const body = codec === 'json' && i % 2 === 0 ? JSON.stringify({ LogID: LOG_ID, Start: String(i), Finish: i, Key: randomBytes(3).toString('base64'), Digest: 'AA', Items: [{}] }) : randomBytes(i * 3);
        const res = h(request(p.path, body, { 'content-type': codec === 'json' ? 'application/json' : 'application/proto' }));
        assert.ok([200, 400, 403, 404, 409, 429, 500].includes(res.status), `${p.path}: ${res.status}`);
        if (res.status !== 200) assert.ok(connectError(res.status, String(res.body)).code !== undefined);
        if (res.status === 500) assert.fail(`${p.path} answered 500: ${String(res.body)}`);
      }
    }
  }
});

test('handler: a head another process commits is served on the next request', () => {
  const other = openLog(`${tmp.dir}/log.db`);
  const before = call(h, P['LogAPI.GetHead'], { LogID: LOG_ID }).msg!;
  const item = { key: utf8('/nix/store/11111111111111111111111111111111-other'), value: utf8('{"path":"/nix/store/11111111111111111111111111111111-other","narHash":"sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww","narSize":1,"references":[]}') };
  const r = appendItems(other, [item], SECRET.sign);
  other.db.close();
  const now = call(h, P['LogAPI.GetHead'], { LogID: LOG_ID }).msg!;
  assert.equal(now.TreeSize, before.TreeSize + 1n);
  assert.deepEqual(fromWireHead(now), fromWireHead({ ...now, ...r.head, TreeSize: r.head.treeSize } as unknown as LogHead));
  const mv = call(h, P['LogAPI.GetMapValue'], { LogID: LOG_ID, Key: item.key, MapRoot: now.MapRoot }).msg!;
  verifyMapValue(now.MapRoot, item.key, mv.Value, mv.Proof);
});

test('handler: Submit and Flush need a Trustix-Token signed for that procedure; conflicts are refused and named', () => {
  const auth = loadVectors<{ private_token_file: string; public_token: string; cases: Array<{ procedure: string; header_value: string }> }>('auth.json');
  const token = parseWriteToken(auth.private_token_file);
  const w = tempDir('tv-submit-');
  try {
    const wlog = newLog(`${w.dir}/log.db`);
    const wr = logReader(wlog);
    const submitted: number[] = [];
    const hw = createLogHandler({ reader: wr, writer: { sign: SECRET.sign, tokens: [{ name: token.name, key: token.key }] }, onSubmit: (_, r) => submitted.push(Number(r.head.treeSize)) });
    const goHeader = (proc: string) => auth.cases.find((c) => c.procedure === proc)!.header_value;
    const items = itemsOf(E2E.submit_batch_1).map((i) => ({ Key: i.key, Value: i.value }));
    const submit = (headers: Record<string, string>, its = items, codec: Codec = 'proto') => call(hw, P['LogRPC.Submit'], { LogID: LOG_ID, Items: its }, codec, headers).res;
    const code = (res: ReturnType<typeof submit>) => connectError(res.status, String(res.body)).code;
    assert.equal(code(submit({})), 'unauthenticated');
    assert.equal(code(submit({ 'trustix-token': 'not json' })), 'unauthenticated');
    assert.equal(code(submit({ 'trustix-token': goHeader('/trustix_rpc.v1.LogRPC/Flush') })), 'unauthenticated', 'a Flush credential is not a Submit credential');
    const stranger = parseWriteToken(`default:${newLogKeyFiles().secret.trim()}`);
    assert.equal(code(submit({ 'trustix-token': tokenHeader(stranger, P['LogRPC.Submit'].path) })), 'unauthenticated', 'same name, other key');
    assert.equal(wr.head().treeSize, 0n, 'nothing was written');
    assert.equal(submit({ 'trustix-token': goHeader(P['LogRPC.Submit'].path) }).status, 200, 'the header a Go client sends');
    assert.deepEqual(fromWireHead(call(hw, P['LogAPI.GetHead'], { LogID: LOG_ID }).msg!), pub.heads[1]);
    const batch2 = itemsOf(E2E.submit_batch_2).map((i) => ({ Key: i.key, Value: i.value }));
    const refused = submit({ 'trustix-token': tokenHeader(token, P['LogRPC.Submit'].path) }, batch2, 'json');
    assert.equal(refused.status, 409);
    assert.match(String(refused.body), /"code":"already_exists".*refused 1 of 7 items.*zlib-1\.3\.1/);
    assert.deepEqual(fromWireHead(call(hw, P['LogAPI.GetHead'], { LogID: LOG_ID }).msg!), pub.heads[2], 'the others went in: the publisher\'s third head');
    const bad = submit({ 'trustix-token': tokenHeader(token, P['LogRPC.Submit'].path) }, [{ Key: utf8('/nix/store/22222222222222222222222222222222-x'), Value: utf8('{"path":"/nix/store/33333333333333333333333333333333-y"}') }]);
    assert.equal(code(bad), 'invalid_argument');
    assert.deepEqual(submitted, [7, 12]);
    const flush = call(hw, P['LogRPC.Flush'], { LogID: LOG_ID }, 'json', { 'trustix-token': goHeader('/trustix_rpc.v1.LogRPC/Flush') });
    assert.deepEqual(flush.msg, {});
    assert.equal(code(call(hw, P['LogRPC.Flush'], { LogID: LOG_ID }).res), 'unauthenticated');
    wlog.db.close();
  } finally {
    w.remove();
  }
});
