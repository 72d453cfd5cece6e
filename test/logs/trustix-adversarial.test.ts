/**
 * SPEC §9 through the client: answers that crash or fool the Go code (a BitMask
 * padding bit, short and empty consistency proofs, oversized numbers and bodies) and
 * plain garbage are faults with a kind here, never crashes, over real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Answer } from '../../src/claims.ts';
import { buildMap, toWireHead } from '../../src/trustix/index.ts';
import { TestNode, type Tamper } from '../trustix/node.ts';
import type { Publisher } from '../trustix/publisher.ts';
import { signHead } from '../trustix/sign.ts';
import { item, newSigner, openLog, publisher, storePath, tempDir, removeTempDirs, type OpenLog } from './trustix-fixture.ts';

const paths = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((n) => storePath(`adv-${n}`));
const hello = paths[0]!;
const signer = newSigner();
const enc = new TextEncoder();

const kindOf = (a: Answer): string => (a.outcome === 'vote' ? 'vote' : `${a.outcome}:${a.kind}`);

describe('trustix log kind: adversarial answers', () => {
  let node: TestNode;
  const open: OpenLog[] = [];
  before(async () => {
    node = await TestNode.start();
  });
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    await node.close();
    await removeTempDirs();
  });

  async function fresh(tamper?: Tamper): Promise<{ log: OpenLog; pub: Publisher; logId: string }> {
    node.logs.clear();
    node.tamper = tamper;
    const pub = publisher(signer, paths.slice(0, 3).map((p) => item(p, p)));
    const logId = node.publish(pub);
    const log = await openLog(node.url, signer, await tempDir());
    open.push(log);
    return { log, pub, logId };
  }

  const asked = async (tamper: Tamper, want: string, reason?: RegExp): Promise<void> => {
    const { log } = await fresh(tamper);
    const a = await log.ask(hello);
    assert.equal(kindOf(a), want, JSON.stringify(a));
    if (reason !== undefined) assert.match(a.outcome === 'vote' ? '' : a.reason, reason);
  };

  const mapProof = (change: (p: Record<string, unknown>) => Record<string, unknown>): Tamper => (name, _req, res) =>
    (name === 'LogAPI.GetMapValue' ? { ...res, Proof: change(res['Proof'] as Record<string, unknown>) } : undefined);

  it('a BitMask padding bit (Go indexes past SideNodes and dies) → bad-inclusion-proof', () =>
    asked(mapProof(() => ({ SideNodes: [], BitMask: Uint8Array.of(0xff), NumSideNodes: 1n })), 'fault:bad-inclusion-proof', /padding bit/));

  it('more side nodes than a SHA-256 path has, and stray SideNodes → bad-inclusion-proof', async () => {
    await asked(mapProof((p) => ({ ...p, NumSideNodes: (1n << 64n) - 1n })), 'fault:bad-inclusion-proof');
    await asked(mapProof((p) => ({ ...p, SideNodes: [...(p['SideNodes'] as Uint8Array[]), new Uint8Array(32)] })), 'fault:bad-inclusion-proof');
    await asked(mapProof((p) => ({ ...p, SideNodes: (p['SideNodes'] as Uint8Array[]).map(() => new Uint8Array(31)) })), 'fault:bad-inclusion-proof');
  });

  it('short, empty and padded consistency proofs (Go: a panic in every subscriber) → inconsistent-head, with evidence', async () => {
    const cases: Array<[string, (proof: Uint8Array[]) => Uint8Array[]]> = [
      ['short', (p) => p.slice(1)],
      ['empty', () => []],
      ['padded', (p) => [new Uint8Array(32), ...p]],
    ];
    for (const [what, change] of cases) {
      const { log, pub } = await fresh();
      assert.equal(kindOf(await log.ask(hello)), 'vote', what);
      pub.flush(paths.slice(3).map((p) => item(p, p)));
      node.tamper = (name, _req, res) => (name === 'LogAPI.GetLogConsistencyProof' ? { Proof: change(res['Proof'] as Uint8Array[]) } : undefined);
      log.skew += 60_000;
      const a = await log.ask(hello);
      assert.equal(kindOf(a), 'fault:inconsistent-head', `${what}: ${JSON.stringify(a)}`);
      assert.match(log.warnings.join('\n'), /MISBEHAVIOUR.*inconsistent-head/, what);
    }
  });

  it('oversized bodies → too-large; a proof past 64 KiB, a value past 1 MiB', async () => {
    await asked((name) => (name === 'NodeAPI.GetValue' ? { Value: new Uint8Array(1024 * 1024 + 1) } : undefined), 'fault:too-large');
    await asked(mapProof((p) => ({ ...p, SideNodes: Array.from({ length: 3000 }, () => new Uint8Array(32)) })), 'fault:too-large');
  });

  it('a MapEntry Index past uint64 under a valid proof and signed head → malformed', async () => {
    const entry = enc.encode('{"Digest":"vNvNf+Z7fj2UUEXBpCBUsSlYIjpyj8+wHH7s4v2fC34=","Index":18446744073709551616}');
    const map = buildMap([{ key: enc.encode(hello), value: entry }]);
    const head = signHead(signer, { logRoot: new Uint8Array(32) as never, treeSize: 1n, mapRoot: map.root, mhRoot: new Uint8Array(32) as never, mhTreeSize: 1n });
    await asked((name) => (name === 'LogAPI.GetHead' ? toWireHead(head) : name === 'LogAPI.GetMapValue' ? { Value: entry, Proof: map.prove(enc.encode(hello)) } : undefined),
      'fault:malformed', /map entry/);
  });

  it('bytes that are no message, a 63-byte signature, JSON where protobuf was asked → malformed', async () => {
    await asked((name) => (name === 'LogAPI.GetMapValue' ? { raw: true, status: 200, contentType: 'application/proto', body: Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f) } : undefined), 'fault:malformed', /GetMapValue/);
    await asked((name, _req, res) => (name === 'LogAPI.GetHead' ? { ...res, Signature: new Uint8Array(63) } : undefined), 'fault:malformed', /Signature is 63 bytes/);
    await asked((name) => (name === 'LogAPI.GetHead' ? { raw: true, status: 200, contentType: 'application/json', body: '{}' } : undefined), 'fault:malformed', /application\/json/);
  });

  it('Connect errors are http-status faults with the server\'s words; a node that is gone is unreachable', async () => {
    await asked((name) => (name === 'LogAPI.GetHead' ? { raw: true, status: 500, contentType: 'application/json', body: '{"code":"unknown","message":"Log with ID \'x\' is not published"}' } : undefined),
      'fault:http-status', /GetHead: HTTP 500 unknown: Log with ID 'x' is not published/);
    await asked((name) => (name === 'NodeAPI.GetValue' ? { raw: true, status: 502, body: '<html>bad gateway</html>' } : undefined), 'fault:http-status', /HTTP 502 unavailable/);
    const gone = await TestNode.start();
    const url = gone.url;
    await gone.close();
    const log = await openLog(url, signer, await tempDir());
    open.push(log);
    assert.equal(kindOf(await log.ask(hello)), 'fault:unreachable');
  });
});
