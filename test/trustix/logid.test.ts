// logid.json: log IDs from (protocol, key) for 3 keys × 2 protocols and the
// upstream fixture; then the checks a client makes on a node's advertised logs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NIX_PROTOCOL, PROTOCOLS, TEST_PROTOCOL, checkAdvertisedLog, decodeJson, deriveLogId, logIdPreimage, logKeyFromRaw, parseLogId,
  parseLogKey, resolveProtocol, Log,
} from '../../src/trustix/index.ts';
import { hex, loadVectors, toHex } from '../merkle/data.ts';
import { trustixErrorOf } from './throws.ts';

interface LogIds {
  protocols: Array<{ name: string; id: string; hash: string }>;
  cases: Array<{ key_label: string; public_key_b64: string; protocol_name: string; protocol_id: string; mode: number; key_type: string; preimage_hex: string; log_id: string }>;
  upstream_test_cross_check: { public_key_b64: string; protocol_name: string; log_id: string; expected_by_upstream_test: string; match: boolean };
}
const V = loadVectors<LogIds>('logid.json');
const E2E = loadVectors<{ log_meta_protojson: string; key: { public_key_b64: string; public_key_hex: string; log_id: string } }>('e2e_log.json');

test('logid protocols: the two registered protocols, by name and by UUID', () => {
  assert.deepEqual(PROTOCOLS.map((p) => ({ name: p.name, id: p.id, hash: 'sha256' })), V.protocols);
  for (const p of V.protocols) {
    assert.equal(resolveProtocol(p.name).id, p.id);
    assert.equal(resolveProtocol(p.id).name, p.name);
  }
  for (const bad of ['', 'NIX', 'sha256', '5138a791-8d00-4182-96bc-f1f2688cdde3']) trustixErrorOf(() => resolveProtocol(bad), 'unknown-protocol');
});

test('logid cases: preimage and log ID for every key and protocol', () => {
  assert.equal(V.cases.length, 6);
  for (const c of V.cases) {
    assert.equal(c.mode, 0);
    assert.equal(c.key_type, 'ed25519');
    const protocol = resolveProtocol(c.protocol_name);
    assert.equal(protocol.id, c.protocol_id);
    const key = parseLogKey(c.public_key_b64);
    assert.equal(key.base64, c.public_key_b64);
    assert.equal(key.text, `ed25519:${c.public_key_b64}`);
    assert.equal(toHex(logIdPreimage(protocol, key)), c.preimage_hex, c.key_label);
    assert.equal(deriveLogId(protocol, key), c.log_id, c.key_label);
    assert.equal(parseLogId(c.log_id), c.log_id);
  }
});

test('logid upstream_test_cross_check: the upstream fixture key under protocol test', () => {
  const u = V.upstream_test_cross_check;
  assert.ok(u.match);
  assert.equal(deriveLogId(resolveProtocol(u.protocol_name), parseLogKey(u.public_key_b64)), u.expected_by_upstream_test);
});

test('keys are 32 bytes of strict padded base64; log IDs 64 lowercase hex digits', () => {
  const good = V.cases[0]!.public_key_b64;
  assert.deepEqual(logKeyFromRaw(parseLogKey(good).raw), parseLogKey(good));
  for (const bad of ['', good.slice(0, -1), `${good}\n`, good.replace('=', ''), `${good.slice(0, 42)}h=`, 'AAAA', `${good.slice(0, 43)}A=`,
    Buffer.alloc(33).toString('base64'), good.replace(/\//g, '_')]) {
    trustixErrorOf(() => parseLogKey(bad), 'malformed');
  }
  trustixErrorOf(() => logKeyFromRaw(new Uint8Array(31)), 'malformed');
  const id = V.cases[0]!.log_id;
  for (const bad of ['', id.toUpperCase(), id.slice(1), `${id}0`, id.replace(/.$/, 'g')]) trustixErrorOf(() => parseLogId(bad), 'malformed');
});

test('checkAdvertisedLog: the e2e log as its node advertises it; any other ID, protocol or key is refused', () => {
  const log = decodeJson(Log, E2E.log_meta_protojson);
  const key = parseLogKey(E2E.key.public_key_b64);
  assert.equal(toHex(key.raw), E2E.key.public_key_hex);
  assert.equal(checkAdvertisedLog(log, NIX_PROTOCOL, key), E2E.key.log_id);
  assert.equal(log.Meta['upstream'], 'https://cache.nixos.org');
  trustixErrorOf(() => checkAdvertisedLog(log, TEST_PROTOCOL, key), 'log-id-mismatch');
  trustixErrorOf(() => checkAdvertisedLog(log, NIX_PROTOCOL, logKeyFromRaw(new Uint8Array(32))), 'log-id-mismatch');
  trustixErrorOf(() => checkAdvertisedLog({ ...log, LogID: deriveLogId(TEST_PROTOCOL, key) }, NIX_PROTOCOL, key), 'log-id-mismatch');
  trustixErrorOf(() => checkAdvertisedLog({ ...log, Protocol: TEST_PROTOCOL.id }, NIX_PROTOCOL, key), 'log-id-mismatch');
  trustixErrorOf(() => checkAdvertisedLog({ ...log, Signer: { KeyType: 'ed25519', Public: V.cases[2]!.public_key_b64 } }, NIX_PROTOCOL, key), 'log-id-mismatch');
  assert.deepEqual(hex(E2E.key.public_key_hex), key.raw);
});
