// The test node speaks Connect as SPEC §1.3 says a Go node does: both codecs, each
// answered in its own, JSON error bodies, 415/405/plain 404; and its answers verify.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHostOps } from '../../src/host/ops.ts';
import { createTrustixClient, ConnectCallError } from '../../src/trustix/client.ts';
import { LogHead, MapValueResponse, PROCEDURES, decodeJson, encodeJson, fromWireHead, verifyHead, verifyMapValue } from '../../src/trustix/index.ts';
import { item, newSigner, publisher, storePath } from '../logs/trustix-fixture.ts';
import { TestNode } from './node.ts';

const signer = newSigner();
const hello = storePath('node-hello');
let node: TestNode;
let logId: string;
const host = createHostOps({ connections: 2 });

before(async () => {
  node = await TestNode.start();
  logId = node.publish(publisher(signer, [item(hello, 'hello')]));
});
after(async () => {
  await host.close();
  await node.close();
});

const post = (path: string, body: string | Uint8Array, type: string, method = 'POST') =>
  fetch(`${node.url}${path}`, { method, body: method === 'POST' ? body : null, headers: { 'content-type': type } });

test('JSON in, JSON out; binary in, binary out; the same head both ways', async () => {
  const viaJson = await post(PROCEDURES['LogAPI.GetHead'].path, JSON.stringify({ LogID: logId }), 'application/json; charset=utf-8');
  assert.equal(viaJson.status, 200);
  assert.equal(viaJson.headers.get('content-type'), 'application/json');
  const head = fromWireHead(decodeJson(LogHead, await viaJson.text()));
  const client = createTrustixClient({ ops: host, url: node.url, timeoutMs: 2000 });
  const signal = new AbortController().signal;
  assert.deepEqual(await client.getHead(logId, signal), head);
  await verifyHead(head, signer.key);
  const res = await post(PROCEDURES['LogAPI.GetMapValue'].path, JSON.stringify({ LogID: logId, Key: Buffer.from(hello).toString('base64'), MapRoot: Buffer.from(head.mapRoot).toString('base64') }), 'application/json');
  const mv = decodeJson(MapValueResponse, await res.text());
  verifyMapValue(head.mapRoot, new TextEncoder().encode(hello), mv.Value, mv.Proof);
  assert.equal(encodeJson(MapValueResponse, mv), encodeJson(MapValueResponse, await client.mapValue(logId, new TextEncoder().encode(hello), head.mapRoot, signal)));
  assert.deepEqual(node.calls, ['LogAPI.GetHead json', 'LogAPI.GetHead proto', 'LogAPI.GetMapValue json', 'LogAPI.GetMapValue proto']);
});

test('errors: Connect JSON bodies, 415 for other codecs, 405 for GET, a plain 404 for unknown paths', async () => {
  const unknownLog = await post(PROCEDURES['LogAPI.GetHead'].path, JSON.stringify({ LogID: 'ab' }), 'application/json');
  assert.equal(unknownLog.status, 500);
  assert.deepEqual(await unknownLog.json(), { code: 'unknown', message: "Log with ID 'ab' is not published" });
  const missingField = await post(PROCEDURES['LogAPI.GetHead'].path, '{}', 'application/json');
  assert.equal(missingField.status, 400);
  assert.equal(((await missingField.json()) as { code: string }).code, 'invalid_argument');
  assert.equal((await post(PROCEDURES['LogAPI.GetHead'].path, '{}', 'text/plain')).status, 415);
  assert.equal((await post(PROCEDURES['LogAPI.GetHead'].path, '', 'application/json', 'GET')).status, 405);
  const nowhere = await post('/trustix_api.v1.LogAPI/Nope', '{}', 'application/json');
  assert.equal(nowhere.status, 404);
  assert.equal(await nowhere.text(), '404 page not found\n');
  const client = createTrustixClient({ ops: host, url: node.url, timeoutMs: 2000 });
  await assert.rejects(client.getHead('ab', new AbortController().signal), (e: unknown) =>
    e instanceof ConnectCallError && e.status === 500 && e.connectCode === 'unknown' && !e.notFound && /not published/.test(e.message));
  node.absent = 'error';
  await assert.rejects(client.mapValue(logId, new TextEncoder().encode('/nix/store/x'), (await client.getHead(logId, new AbortController().signal)).mapRoot, new AbortController().signal),
    (e: unknown) => e instanceof ConnectCallError && e.notFound);
});
