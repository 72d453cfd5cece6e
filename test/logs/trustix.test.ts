/**
 * The `trustix` log kind end to end over real HTTP on 127.0.0.1: a TestNode serving
 * an in-memory Publisher, the kind made from config text with the real host Ops and
 * a state directory. Honest answers become votes and misses; each lie is a fault of
 * its own kind; heads survive a restart, and a log that goes back on one is caught.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Answer } from '../../src/claims.ts';
import { parseNarHash } from '../../src/nixfmt/index.ts';
import { parseConfig } from '../../src/config/config.ts';
import { LogHead, NIX_PROTOCOL, TEST_PROTOCOL, decodeJson, deriveLogId, encodeValue, fromWireHead, verifyHead } from '../../src/trustix/index.ts';
import { TestNode } from '../trustix/node.ts';
import type { Publisher } from '../trustix/publisher.ts';
import { item, nix32Of, openLog, publisher, newSigner, storePath, tempDir, removeTempDirs, type OpenLog } from './trustix-fixture.ts';

const [hello, glibc, absent, later] = ['hello-2.12.1', 'glibc-2.38-44', 'absent-1.0', 'later-1.0'].map(storePath) as [ReturnType<typeof storePath>, ReturnType<typeof storePath>, ReturnType<typeof storePath>, ReturnType<typeof storePath>];
const signer = newSigner();
const batch1 = [item(glibc, 'glibc'), item(hello, 'hello', [glibc])];

function kindOf(a: Answer): string {
  return a.outcome === 'vote' ? 'vote' : `${a.outcome}:${a.kind}`;
}

describe('trustix log kind', () => {
  let node: TestNode;
  let pub: Publisher;
  let logId: string;
  let dir: string;
  const open: OpenLog[] = [];
  const client = async (extra = ''): Promise<OpenLog> => {
    const l = await openLog(node.url, signer, dir, extra);
    open.push(l);
    return l;
  };

  before(async () => {
    node = await TestNode.start();
  });
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    await node.close();
    await removeTempDirs();
  });

  const fresh = async (p: Publisher = publisher(signer, batch1)) => {
    pub = p;
    node.logs.clear();
    node.headIndex.clear();
    node.tamper = undefined;
    node.absent = 'prove';
    node.calls.length = 0;
    logId = node.publish(pub);
    dir = await tempDir();
  };

  it('votes what the log holds, proven against its signed head, hashes normalised', async () => {
    await fresh();
    const log = await client();
    const a = await log.ask(hello);
    assert.equal(a.outcome, 'vote', JSON.stringify(a));
    if (a.outcome !== 'vote') return;
    assert.equal(a.claim.narHash, parseNarHash(nix32Of('hello')));
    assert.equal(a.claim.narHash, nix32Of('hello'));
    assert.deepEqual(a.claim.references, [glibc]);
    assert.equal(a.claim.narSize, 500);
    assert.equal(a.claim.upstream, undefined, 'a Trustix node holds no NARs');
    assert.equal(a.claim.proof.kind, 'trustix');
    if (a.claim.proof.kind !== 'trustix') return;
    assert.equal(a.claim.proof.logId, logId);
    const head = await verifyHead(fromWireHead(decodeJson(LogHead, a.claim.proof.proof.head)), signer.key);
    assert.equal(head.treeSize, 2n);
    assert.equal(a.claim.proof.proof.value, new TextDecoder().decode(batch1[1]!.value));
    assert.deepEqual(node.calls, ['LogAPI.GetHead proto', 'LogAPI.GetMapValue proto', 'NodeAPI.GetValue proto']);
    assert.deepEqual(log.warnings, []);
  });

  it('a proven absence is a miss; Go\'s unproven "not found" is a miss that says so', async () => {
    await fresh();
    const log = await client();
    const a = await log.ask(absent);
    assert.equal(kindOf(a), 'miss:not-found');
    assert.match(a.outcome === 'miss' ? a.reason : '', /proven absent/);
    node.absent = 'error';
    const b = await log.ask(absent);
    assert.equal(kindOf(b), 'miss:not-found');
    assert.match(b.outcome === 'miss' ? b.reason : '', /unproven/);
    assert.equal(node.calls.filter((c) => c.startsWith('LogAPI.GetHead')).length, 1, 'a head just confirmed is not fetched again');
  });

  it('with no path named it is asked nothing', async () => {
    await fresh();
    const log = await client();
    const a = await log.source.query({ hashPart: hello.slice(11, 43) as never }, new AbortController().signal);
    assert.equal(kindOf(a), 'miss:unknown-path');
    assert.equal(log.source.addressing, 'store-path');
  });

  it('follows a log that grows: consistency proven, the new head stored; "not found" on a stale root asks for it', async () => {
    await fresh();
    const log = await client();
    assert.equal(kindOf(await log.ask(hello)), 'vote');
    pub.flush([item(later, 'later', [hello])]);
    // Like Go: proofs only against the latest root, absent keys an error.
    node.absent = 'error';
    node.tamper = (name, req) => (name === 'LogAPI.GetMapValue' && Buffer.compare(req['MapRoot'] as Uint8Array, pub.head.mapRoot) !== 0
      ? { raw: true, status: 500, contentType: 'application/json', body: '{"code":"unknown","message":"Object not found"}' } : undefined);
    log.skew += 5_000;
    node.calls.length = 0;
    const a = await log.ask(later);
    assert.equal(kindOf(a), 'vote', JSON.stringify(a) + node.calls.join());
    assert.deepEqual(node.calls.slice(0, 4).sort(), ['LogAPI.GetHead proto', 'LogAPI.GetLogConsistencyProof proto', 'LogAPI.GetMHLogConsistencyProof proto', 'LogAPI.GetMapValue proto']);
    const stored = decodeJson(LogHead, await readFile(join(dir, `trustix-head.${logId}`), 'utf8'));
    assert.equal(stored.TreeSize, 3n);
    // Old heads are refreshed before use in a long run.
    pub.flush([item(storePath('fourth'), 'fourth')]);
    log.skew += 31_000;
    node.calls.length = 0;
    assert.equal(kindOf(await log.ask(hello)), 'vote');
    assert.equal(node.calls[0], 'LogAPI.GetHead proto');
  });

  it('state survives a restart: a new client checks the new head against the stored one', async () => {
    await fresh();
    await (await client()).ask(hello);
    pub.flush([item(later, 'later')]);
    node.calls.length = 0;
    const again = await client();
    assert.equal(kindOf(await again.ask(later)), 'vote');
    assert.ok(node.calls.includes('LogAPI.GetLogConsistencyProof proto'), 'the stored head of size 2 was the base');
  });
});

describe('trustix log kind: a lying node', () => {
  let node: TestNode;
  let dir: string;
  const open: OpenLog[] = [];
  before(async () => {
    node = await TestNode.start();
  });
  after(async () => {
    await Promise.all(open.map((l) => l.close()));
    await node.close();
    await removeTempDirs();
  });

  /** A fresh state directory and a log holding batch1 (and more, when asked). */
  const setup = async (...more: Parameters<typeof item>[]): Promise<{ log: OpenLog; pub: Publisher; logId: string }> => {
    node.logs.clear();
    node.headIndex.clear();
    node.tamper = undefined;
    dir = await tempDir();
    const pub = publisher(signer, batch1, ...more.map((m) => [item(...m)]));
    const logId = node.publish(pub);
    const log = await openLog(node.url, signer, dir);
    open.push(log);
    return { log, pub, logId };
  };

  const lie = async (f: (l: { log: OpenLog; pub: Publisher }) => void, want: string, path = hello): Promise<Answer> => {
    const l = await setup();
    f(l);
    const a = await l.log.ask(path);
    assert.equal(kindOf(a), want, JSON.stringify(a));
    return a;
  };

  it('tampered value → value-digest-mismatch', async () => {
    const a = await lie(() => {
      node.tamper = (name) => (name === 'NodeAPI.GetValue' ? { Value: encodeValue({ path: hello, narHash: nix32Of('evil'), narSize: 500, references: [glibc] }) } : undefined);
    }, 'fault:value-digest-mismatch');
    assert.match(a.outcome === 'fault' ? a.reason : '', /^value /);
  });

  it('another key\'s entry and proof → bad-inclusion-proof', async () => {
    await lie(({ pub }) => {
      node.tamper = (name) => (name === 'LogAPI.GetMapValue' ? pub.mapValue(new TextEncoder().encode(glibc)) : undefined);
    }, 'fault:bad-inclusion-proof');
  });

  it('a log that committed to a value naming another path → wrong-path', async () => {
    const l = await setup();
    l.pub.flush([{ key: new TextEncoder().encode(later), value: encodeValue({ path: hello, narHash: nix32Of('x'), narSize: 1, references: [] }) }]);
    const a = await l.log.ask(later);
    assert.equal(kindOf(a), 'fault:wrong-path', JSON.stringify(a));
  });

  it('wrong inclusion proof (a side node flipped) → bad-inclusion-proof', async () => {
    const a = await lie(() => {
      node.tamper = (name, _req, res) => {
        if (name !== 'LogAPI.GetMapValue') return undefined;
        const proof = res['Proof'] as { SideNodes: Uint8Array[] };
        const side = proof.SideNodes.map((s) => Uint8Array.from(s));
        side[0]![0]! ^= 1;
        return { ...res, Proof: { ...proof, SideNodes: side } };
      };
    }, 'fault:bad-inclusion-proof');
    assert.match(a.outcome === 'fault' ? a.reason : '', /^map proof for \/nix\/store\/.*hello.* against the map root/);
  });

  it('a proof against a different root (an older map) → bad-inclusion-proof', async () => {
    await lie(({ pub }) => {
      pub.flush([item(later, 'later')]);
      node.tamper = (name, req) => (name === 'LogAPI.GetMapValue' ? pub.mapValue(req['Key'] as Uint8Array, 1) : undefined);
    }, 'fault:bad-inclusion-proof');
  });

  it('a false proof of absence → bad-inclusion-proof', async () => {
    await lie(() => {
      node.tamper = (name, _req, res) => (name === 'LogAPI.GetMapValue' ? { ...res, Value: new Uint8Array() } : undefined);
    }, 'fault:bad-inclusion-proof');
  });

  it('bad head signature → bad-head-signature for every path', async () => {
    const a = await lie(() => {
      node.tamper = (name, _req, res) => {
        if (name !== 'LogAPI.GetHead') return undefined;
        const sig = Uint8Array.from(res['Signature'] as Uint8Array);
        sig[10]! ^= 4;
        return { ...res, Signature: sig };
      };
    }, 'fault:bad-head-signature');
    assert.match(a.outcome === 'fault' ? a.reason : '', /^head signature: /);
  });

  it('rolled-back head against a persisted earlier head → rollback, with evidence kept and one loud line', async () => {
    const { log, pub, logId } = await setup([later, 'later']);
    assert.equal(kindOf(await log.ask(hello)), 'vote');
    assert.equal(pub.heads.length, 3);
    node.headIndex.set(logId, 1);
    const restarted = await openLog(node.url, signer, dir);
    open.push(restarted);
    const a = await restarted.ask(hello);
    assert.equal(kindOf(a), 'fault:rollback');
    assert.equal(kindOf(await restarted.ask(glibc)), 'fault:rollback', 'every path');
    assert.equal(restarted.warnings.length, 1);
    assert.match(restarted.warnings[0]!, /^MISBEHAVIOUR by Trustix log tx .*rollback: log went back from size 3 to 2.*trustix-evidence\./);
    const files = (await readdir(dir)).sort();
    assert.deepEqual(files, [`trustix-evidence.${logId}.0`, `trustix-head.${logId}`]);
    const ev = JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as { kind: string; evidence: { previous: unknown; next: unknown } };
    assert.equal(ev.kind, 'rollback');
    for (const h of [ev.evidence.previous, ev.evidence.next]) await verifyHead(fromWireHead(decodeJson(LogHead, JSON.stringify(h))), signer.key);
    assert.equal(decodeJson(LogHead, await readFile(join(dir, files[1]!), 'utf8')).TreeSize, 3n, 'the stored head stays');
    // Once misbehaving, always: the node going back to its real head changes nothing in this process.
    node.headIndex.delete(logId);
    assert.equal(kindOf(await restarted.ask(hello)), 'fault:rollback');
    // The next run finds it again (its stored head is still the bigger one) and keeps no second copy.
    node.headIndex.set(logId, 1);
    const third = await openLog(node.url, signer, dir);
    open.push(third);
    assert.equal(kindOf(await third.ask(hello)), 'fault:rollback');
    assert.equal((await readdir(dir)).length, 2);
  });

  it('forked head: same size, other contents → equivocation; a bigger rewritten history → inconsistent-head', async () => {
    const { log, logId } = await setup();
    assert.equal(kindOf(await log.ask(hello)), 'vote');
    node.logs.set(logId, publisher(signer, [item(glibc, 'glibc'), item(hello, 'evil hello', [glibc])]));
    const forked = await openLog(node.url, signer, dir);
    open.push(forked);
    assert.equal(kindOf(await forked.ask(hello)), 'fault:equivocation');
    assert.match(forked.warnings[0] ?? '', /fork|different signed heads/);

    const l2 = await setup();
    assert.equal(kindOf(await l2.log.ask(hello)), 'vote');
    node.logs.set(l2.logId, publisher(signer, [item(glibc, 'glibc'), item(hello, 'evil hello', [glibc])], [item(later, 'later')]));
    const rewritten = await openLog(node.url, signer, dir);
    open.push(rewritten);
    assert.equal(kindOf(await rewritten.ask(hello)), 'fault:inconsistent-head');
    assert.equal((await readdir(dir)).filter((f) => f.startsWith('trustix-evidence.')).length, 1);
  });
});

describe('trustix log kind: config', () => {
  const text = (extra: string) => `[log.tx]\nkind = trustix\nurl = http://127.0.0.1:8090/prefix/\nkey = ${signer.key.base64}\n${extra}`;

  it('reads url, key and an optional log-id that must be the key\'s', () => {
    const c = parseConfig(text(''), 'c.ini');
    const id = deriveLogId(NIX_PROTOCOL, signer.key);
    assert.deepEqual(c.logs[0]!.settings, { url: 'http://127.0.0.1:8090/prefix', key: signer.key, logId: id });
    assert.equal(c.logs[0]!.upstream, undefined, 'a Trustix node holds no NARs');
    assert.deepEqual(c.logs[0]!.identity, signer.key.raw);
    assert.equal((parseConfig(text(`log-id = ${id.toUpperCase()}`), 'c.ini').logs[0]!.settings as { logId: string }).logId, id);
    assert.throws(() => parseConfig(text(`log-id = ${deriveLogId(TEST_PROTOCOL, signer.key)}`), 'c.ini'), /\[log\.tx\] log-id: .* is not the log ID of this key under protocol nix/);
    assert.throws(() => parseConfig(text('log-id = 12'), 'c.ini'), /\[log\.tx\] log-id: not a log ID/);
    assert.throws(() => parseConfig(text('').replace(signer.key.base64, `cache-a-1:${signer.key.base64}`), 'c.ini'), /\[log\.tx\] key: not a base64 ed25519 public key/);
    assert.throws(() => parseConfig(text('').replace('/prefix/', '/?x=1'), 'c.ini'), /\[log\.tx\] url: .*query/);
    assert.throws(() => parseConfig(text('weight = 2\nprotocol = nix'), 'c.ini'), /\[log\.tx\] protocol: unknown key/);
    const sameKey = `${text('')}[log.cache]\nkind = binary-cache\nurl = http://127.0.0.1:1\nkey = b-1:${signer.key.base64}\n`;
    assert.throws(() => parseConfig(sameKey, 'c.ini'), /same key/);
  });
});
