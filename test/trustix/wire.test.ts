// wire.json: every client RPC's request and response, decoded from and re-encoded
// to the exact binary protobuf Go wrote and to its (compacted) protojson; Go's
// protojson decoding behaviour; then a corruption table for both decoders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PROCEDURES, TrustixError, connectError, decodeBinary, decodeJson, encodeBinary, encodeJson,
} from '../../src/trustix/index.ts';
import * as M from '../../src/trustix/wire-messages.ts';
import type { Fields, MessageType } from '../../src/trustix/index.ts';
import { b64, loadVectors, toB64 } from '../merkle/data.ts';
import { trustixErrorOf } from './throws.ts';

interface Side { type: string; protojson: string; protobuf_b64: string }
interface Wire {
  rpcs: Record<string, { http: string; request: Side; response: Side }>;
  protojson_decoding_behaviour: Array<{ label: string; type: string; input: string; error: string | null; reencoded_protojson?: string }>;
  required_field_enforcement: Record<string, string>;
}
const V = loadVectors<Wire>('wire.json');
type AnyType = MessageType<Fields>;
const TYPES = new Map<string, AnyType>(Object.values(M).map((t) => [(t as AnyType).name, t as AnyType]));
const byShortName = (n: string): AnyType => [...TYPES.values()].find((t) => t.name.endsWith(`.${n}`))!;

test('wire.json rpcs: each procedure path and message types match the table', () => {
  assert.equal(Object.keys(V.rpcs).length, 12);
  for (const [label, rpc] of Object.entries(V.rpcs)) {
    const p = PROCEDURES[label.replace(/ \(.*\)$/, '') as keyof typeof PROCEDURES];
    assert.ok(p !== undefined, label);
    assert.equal(`POST ${p.path}`, rpc.http, label);
    assert.equal(p.request.name, rpc.request.type, label);
    assert.equal(p.response.name, rpc.response.type, label);
  }
});

test('wire.json rpcs: binary and JSON decode to the same message and re-encode byte for byte', () => {
  for (const [label, rpc] of Object.entries(V.rpcs)) {
    for (const side of [rpc.request, rpc.response]) {
      const type = TYPES.get(side.type)!;
      const fromBinary = decodeBinary(type, b64(side.protobuf_b64));
      const fromJson = decodeJson(type, side.protojson);
      assert.deepEqual(fromBinary, fromJson, `${label} ${side.type}`);
      assert.equal(toB64(encodeBinary(type, fromBinary)), side.protobuf_b64, `${label} ${side.type} binary`);
      assert.equal(encodeJson(type, fromJson), side.protojson, `${label} ${side.type} json`);
    }
  }
});

test('wire.json rpcs: decoded values have their domain types (bigint sizes, byte hashes, enum names, meta map)', () => {
  const head = decodeBinary(M.LogHead, b64(V.rpcs['LogAPI.GetHead']!.response.protobuf_b64));
  assert.equal(head.TreeSize, 12n);
  assert.equal(head.MHTreeSize, 3n);
  assert.equal(head.LogRoot.length, 32);
  const logs = decodeBinary(M.LogsResponse, b64(V.rpcs['NodeAPI.Logs']!.response.protobuf_b64));
  assert.equal(logs.Logs[0]?.Signer.KeyType, 'ed25519');
  assert.equal(logs.Logs[0]?.Mode, 'Log');
  assert.deepEqual(logs.Logs[0]?.Meta, { name: 'example', upstream: 'https://cache.nixos.org' });
  const map = decodeJson(M.MapValueResponse, V.rpcs['LogAPI.GetMapValue']!.response.protojson);
  assert.equal(map.Proof.NumSideNodes, 7n);
  assert.equal(map.Proof.NonMembershipLeafData, undefined);
  const empty = decodeBinary(M.ProofResponse, new Uint8Array());
  assert.deepEqual(empty, { Proof: [] });
  assert.equal(decodeBinary(M.DecisionResponse, b64(V.rpcs['RPCApi.Decide']!.response.protobuf_b64)).Decision.Confidence, 66);
});

test('protojson_decoding_behaviour: what Go accepts we accept and re-encode the same; what it refuses we refuse', () => {
  assert.equal(V.protojson_decoding_behaviour.length, 8);
  for (const c of V.protojson_decoding_behaviour) {
    const type = byShortName(c.type);
    if (c.error === null) {
      assert.equal(encodeJson(type, decodeJson(type, c.input)), c.reencoded_protojson, c.label);
    } else {
      const field = /\.(\w+) not set$/.exec(c.error)?.[1] ?? '';
      const e = trustixErrorOf(() => decodeJson(type, c.input), 'malformed');
      assert.match(e.message, new RegExp(`required field ${field} not set`), c.label);
    }
  }
});

test('required_field_enforcement: a DecisionResponse without its Decision is refused by both encoders', () => {
  const msg = { Mismatches: [], Misses: [] } as unknown as M.DecisionResponse;
  for (const key of Object.keys(V.required_field_enforcement)) assert.match(V.required_field_enforcement[key]!, /Decision not set/);
  trustixErrorOf(() => encodeBinary(M.DecisionResponse, msg), 'malformed');
  trustixErrorOf(() => encodeJson(M.DecisionResponse, msg), 'malformed');
  trustixErrorOf(() => decodeBinary(M.DecisionResponse, new Uint8Array()), 'malformed');
});

const HEAD = b64(V.rpcs['LogAPI.GetHead']!.response.protobuf_b64);
const cat = (...parts: ArrayLike<number>[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

test('binary corruption table: each case is malformed, never a crash or a different message', () => {
  const table: Array<{ desc: string; bytes: Uint8Array }> = [
    { desc: 'garbage at the back (truncated varint)', bytes: cat(HEAD, [0xff]) },
    { desc: 'garbage at the front (field number 0)', bytes: cat([0x00], HEAD) },
    { desc: 'LogRoot given twice', bytes: cat(HEAD, HEAD.subarray(0, 34)) },
    { desc: 'TreeSize given twice', bytes: cat(HEAD, [0x10, 0x01]) },
    { desc: 'LogRoot as a varint', bytes: cat([0x08, 0x01], HEAD.subarray(34)) },
    { desc: 'TreeSize as length-delimited', bytes: cat(HEAD.subarray(0, 34), [0x12, 0x01, 0x0c], HEAD.subarray(36)) },
    { desc: 'an 11-byte varint', bytes: cat(HEAD, [0x78], new Array(10).fill(0x80), [0x01]) },
    { desc: 'a varint past 2^64', bytes: cat(HEAD.subarray(0, 34), [0x10], new Array(9).fill(0xff), [0x02], HEAD.subarray(36)) },
    { desc: 'length past the end', bytes: cat([0x0a, 0x21], HEAD.subarray(2)) },
    { desc: 'a group (wire type 3)', bytes: cat(HEAD, [0x7b]) },
    { desc: 'required Signature missing', bytes: HEAD.subarray(0, HEAD.length - 66) },
    { desc: 'empty input (every required field missing)', bytes: new Uint8Array() },
  ];
  for (const { desc, bytes } of table) {
    assert.throws(() => decodeBinary(M.LogHead, bytes), (e: unknown) => e instanceof TrustixError && e.code === 'malformed', desc);
  }
  trustixErrorOf(() => decodeBinary(M.LogHeadRequest, Uint8Array.of(0x0a, 0x02, 0xc3, 0x28)), 'malformed');
  trustixErrorOf(() => decodeBinary(M.LogSigner, Uint8Array.of(0x08, 0x01, 0x12, 0x00)), 'malformed');
  trustixErrorOf(() => decodeBinary(M.LogValueDecision, Uint8Array.of(0x12, 0x00, 0x22, 0x00, 0x18, 0x80, 0x80, 0x80, 0x80, 0x08)), 'malformed');
  trustixErrorOf(() => decodeBinary(M.Log, b64('CgF4EAAaAXkiBQgAEgF6KgYKAWsSAXYqBgoBaxIBdw==')), 'malformed');
});

test('binary: unknown fields of every wire type are skipped; negative int32 round-trips', () => {
  const extra = cat(HEAD, [0x78, 0x05], [0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8], [0x7a, 0x02, 9, 9], [0x7d, 1, 2, 3, 4]);
  assert.deepEqual(decodeBinary(M.LogHead, extra), decodeBinary(M.LogHead, HEAD));
  const d = { LogIDs: [], Digest: new Uint8Array(), Confidence: -1, Value: new Uint8Array() };
  const bytes = encodeBinary(M.LogValueDecision, d);
  assert.equal(bytes.length, 2 + 2 + 11);
  assert.deepEqual(decodeBinary(M.LogValueDecision, bytes), d);
});

test('binary: every truncation and every single-bit flip of every vector decodes or is malformed, nothing else', () => {
  for (const rpc of Object.values(V.rpcs)) {
    for (const side of [rpc.request, rpc.response]) {
      const type = TYPES.get(side.type)!;
      const good = b64(side.protobuf_b64);
      const tries: Uint8Array[] = [];
      for (let i = 0; i < good.length; i++) tries.push(good.subarray(0, i));
      for (let i = 0; i < good.length; i++) for (let bit = 0; bit < 8; bit++) tries.push(good.map((b, j) => (j === i ? b ^ (1 << bit) : b)));
      for (const t of tries) {
        try {
          decodeBinary(type, t);
        } catch (e) {
          assert.ok(e instanceof TrustixError && e.code === 'malformed', `${side.type}: ${String(e)}`);
        }
      }
    }
  }
});

test('JSON corruption table: wrong types and values are malformed; unknown keys and null are absent', () => {
  const head = JSON.parse(V.rpcs['LogAPI.GetHead']!.response.protojson) as Record<string, unknown>;
  const bad: Array<[string, unknown]> = [
    ['TreeSize', -1], ['TreeSize', 1.5], ['TreeSize', 'abc'], ['TreeSize', '18446744073709551616'], ['TreeSize', 2 ** 53],
    ['TreeSize', '-1'], ['TreeSize', true], ['LogRoot', 'not base64!'], ['LogRoot', 'A'], ['LogRoot', 'AA=A'],
    ['LogRoot', 'ab+_'], ['LogRoot', 5], ['LogRoot', null], ['Signature', ['AA==']],
  ];
  for (const [field, value] of bad) {
    trustixErrorOf(() => decodeJson(M.LogHead, JSON.stringify({ ...head, [field]: value })), 'malformed');
  }
  for (const text of ['', '[]', 'null', '"x"', '{"LogRoot":', '{"Logs":{}}']) trustixErrorOf(() => decodeJson(M.LogHead, text), 'malformed');
  trustixErrorOf(() => decodeJson(M.LogsResponse, '{"Logs":{}}'), 'malformed');
  trustixErrorOf(() => decodeJson(M.LogSigner, '{"KeyType":"rsa","Public":""}'), 'malformed');
  trustixErrorOf(() => decodeJson(M.LogSigner, '{"KeyType":1,"Public":""}'), 'malformed');
  trustixErrorOf(() => decodeJson(M.LogValueDecision, '{"Digest":"","Value":"","Confidence":2147483648}'), 'malformed');
  trustixErrorOf(() => decodeJson(M.Log, '{"LogID":"x","Mode":"Log","Protocol":"p","Signer":{"KeyType":0,"Public":""},"Meta":{"a":1}}'), 'malformed');
  const withExtra = decodeJson(M.LogHead, JSON.stringify({ ...head, logID: 'x', Extra: { a: [1] }, MapRootX: null }));
  assert.deepEqual(withExtra, decodeJson(M.LogHead, JSON.stringify(head)));
  assert.deepEqual(decodeJson(M.ProofResponse, '{"Proof":null}'), { Proof: [] });
  assert.deepEqual(decodeJson(M.LogsResponse, '{"__proto__":{"Logs":[1]}}'), { Logs: [] });
});

test('connectError: the body code when known, else one from the HTTP status', () => {
  assert.deepEqual(connectError(500, '{"code":"unknown","message":"Map value not found"}'), { code: 'unknown', message: 'Map value not found' });
  assert.deepEqual(connectError(401, '{"code":"unauthenticated","message":"x"}'), { code: 'unauthenticated', message: 'x' });
  assert.deepEqual(connectError(404, '404 page not found\n'), { code: 'unimplemented', message: '' });
  assert.deepEqual(connectError(503, '{"code":"nonsense"}'), { code: 'unavailable', message: '' });
  assert.deepEqual(connectError(418, 'null'), { code: 'unknown', message: '' });
  assert.deepEqual(connectError(429, '[]'), { code: 'unavailable', message: '' });
});
