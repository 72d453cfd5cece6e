// Our own log end to end, as a user runs it: `log init`, `log serve` and `log submit`
// as subprocesses, real store paths from real Nix, and a reader over real HTTP on
// 127.0.0.1 that checks every proof with src/merkle and src/trustix, in JSON and in
// binary protobuf: heads and their consistency, map inclusion (under the latest and
// an older head) and non-inclusion, log inclusion, values; re-submissions; the write
// gate for LogRPC.Submit over HTTP.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseNarHash, parsePathInfoJson } from '../../src/nixfmt/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { PROCEDURES as P, parseLogKey, parseWriteToken, tokenHeader } from '../../src/trustix/index.ts';
import type { VerifiedHead } from '../../src/trustix/index.ts';
import { appendItems, openLog } from '../../src/logserver/log.ts';
import { readLogSecret, statePaths } from '../../src/logserver/state.ts';
import { cli } from '../cli/run.ts';
import { ConnectCallError, LogClient, fetchPost } from '../logserver/client.ts';
import { hasNix } from './fixture.ts';
import { NIX_ENV, fields, forgetStorePaths, logCli, makeStorePaths, startLogServe } from './log-harness.ts';
import type { LogServe } from './log-harness.ts';

const skip = hasNix() ? false : 'nix is not installed';

describe('log init / serve / submit over real HTTP', { skip, timeout: 300_000 }, () => {
  let dir: string;
  let state: string;
  let paths: { files: StorePath[]; dep: StorePath; top: StorePath };
  let serve: LogServe;
  let clients: LogClient[];
  const heads: VerifiedHead[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-log-e2e-'));
    state = join(dir, 'state');
    paths = await makeStorePaths(dir, 12);
  });
  after(async () => {
    await serve?.stop();
    await forgetStorePaths();
    await rm(dir, { recursive: true, force: true });
  });

  it('init makes a private key and a log, prints the key and the log ID, and refuses to run twice', async () => {
    const r = await logCli(['init', '--state', state]);
    assert.equal(r.exitCode, 0, r.stderr);
    const out = fields(r.stdout);
    assert.equal(out['protocol'], 'nix');
    assert.match(out['log-id']!, /^[0-9a-f]{64}$/);
    assert.equal((await readFile(join(state, 'log.pub'), 'utf8')).trim(), out['public-key']);
    assert.equal((await stat(state)).mode & 0o777, 0o700);
    assert.equal((await stat(join(state, 'log.key'))).mode & 0o777, 0o600);
    const again = await logCli(['init', '--state', state]);
    assert.equal(again.exitCode, 2);
    assert.match(again.stderr, /already exists/);
    serve = await startLogServe(state);
    const key = parseLogKey(out['public-key']!);
    clients = (['json', 'proto'] as const).map((codec) => new LogClient(fetchPost(serve.url), out['log-id']!, key, codec));
    for (const c of clients) {
      const [log] = (await c.call(P['NodeAPI.Logs'], { Protocols: [] })).Logs;
      assert.equal(log?.LogID, out['log-id']);
      assert.equal(log?.Signer.Public, out['public-key']);
    }
    heads.push(await clients[0]!.head());
    assert.equal(heads[0]!.treeSize, 0n);
  });

  it('submit appends paths as arguments and from stdin; serve serves each new head at once; heads stay consistent', async () => {
    const first = [...paths.files.slice(0, 6), paths.top];
    const r = await logCli(['submit', '--state', state, ...first]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean), first.map((p, i) => `added ${p} ${i}`));
    heads.push(await clients[1]!.head());
    assert.equal(heads[1]!.treeSize, 7n);
    const rest = [...paths.files.slice(6), paths.dep];
    const r2 = await logCli(['submit', '--state', state, '--stdin', '--batch', '3'], `${rest.join('\n')}\n`);
    assert.equal(r2.exitCode, 0, r2.stderr);
    assert.equal(r2.stdout.split('\n').filter((l) => l.startsWith('added ')).length, rest.length);
    heads.push(await clients[0]!.head());
    assert.equal(heads[2]!.treeSize, 14n);
    assert.equal(heads[2]!.mhTreeSize, 5n, 'one head per batch: the first, 1 for the arguments, 3 for 7 lines in batches of 3');
    for (const c of clients) {
      await c.consistent(heads[0]!, heads[1]!);
      await c.consistent(heads[1]!, heads[2]!);
      await c.consistent(heads[0]!, heads[2]!);
    }
  });

  it('every path is proven in the map, bound to its log leaf, included in the signed root, and its value is what Nix says', async () => {
    const all = [...paths.files, paths.dep, paths.top];
    const info = new Map(parsePathInfoJson((await execa('nix', ['path-info', '--json', ...all], { env: NIX_ENV })).stdout).map((i) => [i.path, i]));
    for (const c of clients) {
      for (const p of all) {
        const got = await c.lookup(heads[2]!, p);
        assert.ok(got !== undefined, p);
        const want = info.get(p)!;
        assert.equal(got.value.narHash, parseNarHash(want.narHash));
        assert.equal(got.value.narSize, want.narSize);
        assert.deepEqual(got.value.references, want.references);
      }
      const top = await c.lookup(heads[2]!, paths.top);
      assert.deepEqual(top?.value.references, [paths.dep], 'References are full store paths');
      assert.ok((await c.lookup(heads[1]!, paths.top)) !== undefined, 'proven under an older head too');
      assert.equal(await c.lookup(heads[1]!, paths.dep), undefined, 'dep came later: proven absent under the older head');
      assert.equal(await c.lookup(heads[2]!, '/nix/store/00000000000000000000000000000000-never' as StorePath), undefined, 'proven absent');
    }
  });

  it('trustix-vote check reads it as a `kind = trustix` log and votes with its entries', async () => {
    const config = join(dir, 'check.ini');
    await writeFile(config, `[state]\ndir = ${join(dir, 'reader-state')}\n[log.mine]\nkind = trustix\nurl = ${serve.url}\nkey = ${clients[0]!.key.base64}\nlog-id = ${clients[0]!.logId}\n`);
    const r = await cli(['check', '--json', '--config', config, paths.top]);
    assert.equal(r.exitCode, 0, r.stderr);
    const decided = JSON.parse(r.stdout) as Array<{ path: string; verdict: string; agree: string[]; narHash: string }>;
    assert.deepEqual(decided.map((d) => d.path).sort(), [paths.dep, paths.top].sort(), 'the closure, from the local store');
    const info = new Map(parsePathInfoJson((await execa('nix', ['path-info', '--json', paths.dep, paths.top], { env: NIX_ENV })).stdout).map((i) => [i.path, i]));
    for (const d of decided) {
      assert.equal(d.verdict, 'trusted', JSON.stringify(d));
      assert.deepEqual(d.agree, ['mine']);
      assert.equal(d.narHash, parseNarHash(info.get(d.path as StorePath)!.narHash));
    }
  });

  it('re-submitting a path is a no-op; other facts for a path are refused and reported', async () => {
    const same = await logCli(['submit', '--state', state, paths.files[0]!, paths.top]);
    assert.equal(same.exitCode, 0, same.stderr);
    assert.deepEqual(same.stdout.split('\n').filter(Boolean), [`present ${paths.files[0]} 0`, `present ${paths.top} 6`]);
    assert.equal((await clients[0]!.head()).mhTreeSize, 5n, 'no new head');
    // A second path-info "built" elsewhere: another value for a path the store also holds.
    const extra = await makeStorePaths(dir, 1);
    const log = openLog(statePaths(state).db);
    const liar = { key: new TextEncoder().encode(extra.files[0]!), value: new TextEncoder().encode(`{"path":"${extra.files[0]}","narHash":"sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww","narSize":1,"references":[]}`) };
    appendItems(log, [liar], readLogSecret(statePaths(state), log.db.meta.key).sign);
    log.db.close();
    const refused = await logCli(['submit', '--state', state, extra.files[0]!, extra.dep]);
    assert.equal(refused.exitCode, 1);
    assert.match(refused.stderr, new RegExp(`refused ${extra.files[0]}: the log holds other facts for it .*never changes its answer`));
    assert.match(refused.stdout, new RegExp(`added ${extra.dep} 15`));
    const got = await clients[1]!.lookup(await clients[1]!.head(), extra.files[0]!);
    assert.equal(got?.value.narSize, 1, 'the first answer stands');
    const verify = await logCli(['verify', '--state', state]);
    assert.equal(verify.exitCode, 0, verify.stderr);
    assert.match(verify.stdout, /^ok: 16 entries, 7 heads/);
  });

  it('LogRPC.Submit over HTTP: refused on a read-only node, and with --write-tokens only for a token holder', async () => {
    const items = [{ Key: new TextEncoder().encode(paths.files[0]!), Value: new Uint8Array(0) }];
    await assert.rejects(clients[1]!.call(P['LogRPC.Submit'], { LogID: clients[1]!.logId, Items: items }), (e: ConnectCallError) => e.body.code === 'permission_denied');
    const tok = await logCli(['token', 'builder-1', '--secret', join(dir, 'builder.token'), '--public', join(dir, 'builder.pub')]);
    assert.equal(tok.exitCode, 0, tok.stderr);
    const writable = await startLogServe(state, ['--write-tokens', join(dir, 'builder.pub')]);
    try {
      const c = new LogClient(fetchPost(writable.url), clients[1]!.logId, clients[1]!.key, 'proto');
      await assert.rejects(c.call(P['LogRPC.Submit'], { LogID: c.logId, Items: items }), (e: ConnectCallError) => e.status === 401 && e.body.code === 'unauthenticated');
      const token = parseWriteToken(await readFile(join(dir, 'builder.token'), 'utf8'));
      const header = { 'trustix-token': tokenHeader(token, P['LogRPC.Submit'].path) };
      const value = new TextEncoder().encode(`{"path":"${paths.files[0]}","narHash":"sha256:1b8m03r63zqhnjf7l5wnldhh7c134ap5vpj0850ymkq1iyzicy5s","narSize":2,"references":[]}`);
      await assert.rejects(c.call(P['LogRPC.Submit'], { LogID: c.logId, Items: [{ Key: items[0]!.Key, Value: value }] }, header),
        (e: ConnectCallError) => e.status === 409 && e.body.code === 'already_exists');
      const before = await c.head();
      const fresh = await makeStorePaths(dir, 1);
      const facts = parsePathInfoJson((await execa('nix', ['path-info', '--json', fresh.files[0]!], { env: NIX_ENV })).stdout)[0]!;
      const v = new TextEncoder().encode(`{"path":"${facts.path}","narHash":"${facts.narHash}","narSize":${facts.narSize},"references":[]}`);
      assert.deepEqual(await c.call(P['LogRPC.Submit'], { LogID: c.logId, Items: [{ Key: new TextEncoder().encode(facts.path), Value: v }] }, header), { status: 'OK' });
      const now = await c.head();
      await c.consistent(before, now);
      assert.equal((await c.lookup(now, facts.path))?.value.narHash, facts.narHash);
      assert.match(writable.stderr(), /"event":"submit","token":"builder-1","added":1/);
    } finally {
      assert.equal(await writable.stop(), 0);
    }
  });
});
