/**
 * `trustix-vote check` over real Nix builds with a Trustix log among binary caches:
 * two signed caches made by real Nix (fixture.ts) and a Trustix node (test/trustix/
 * node.ts) whose log holds, for the same paths, what trustix-nix would have submitted
 * from `nix path-info --json` (SRI NarHash, full reference paths). They vote
 * together; the Trustix log's head is kept in the state directory between runs, and
 * a node that goes back on it is caught on the next run.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { encodeValue } from '../../src/trustix/index.ts';
import { runCommand } from '../cli/run.ts';
import { newSigner, publisher } from '../logs/trustix-fixture.ts';
import { TestNode } from '../trustix/node.ts';
import type { Item } from '../trustix/publisher.ts';
import type { RunResult } from '../cli/run.ts';
import { decisionsOf, hasNix, makeFixture, type Fixture } from './fixture.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';
const NIX_CONFIG = 'experimental-features = nix-command\nsandbox = false\nbuild-users-group =\nsubstituters =';

interface PathInfo { path: string; valid?: boolean; narHash: string; narSize: number; references?: string[] }

/** What trustix-nix's post-build hook submits for each path, from real `nix path-info --json` of a cache. */
async function submittedValues(cacheDir: string, paths: readonly string[]): Promise<Item[]> {
  const r = await execa('nix', ['path-info', '--json', '--store', `file://${cacheDir}`, ...paths], { env: { NIX_CONFIG } });
  const infos = JSON.parse(r.stdout) as PathInfo[];
  return infos.filter((i) => i.valid !== false).map((i) => ({
    key: new TextEncoder().encode(i.path),
    value: encodeValue({ path: i.path, narHash: i.narHash, narSize: i.narSize, references: i.references ?? null }),
  }));
}

describe('check with a Trustix log among binary caches', { skip }, () => {
  let f: Fixture;
  let node: TestNode;
  let state: string;
  const honest = newSigner();
  const liar = newSigner();
  let honestId: string;
  let all: string[];

  before(async () => {
    f = await makeFixture();
    all = Object.values(f.build.paths);
    const dir = (name: string) => f.build.caches.find((c) => c.name === name)!.dir;
    node = await TestNode.start();
    const good = await submittedValues(dir('a'), all);
    assert.equal(good.length, 4);
    assert.match(new TextDecoder().decode(good[0]!.value), /"narHash":"sha256-/, 'Nix 2.8 prints SRI hashes, as trustix-nix submitted them');
    // Two flushes, two signed heads: app comes in the second.
    const app = new TextEncoder().encode(f.build.paths.app);
    honestId = node.publish(publisher(honest, good.filter((i) => Buffer.compare(i.key, app) !== 0), good.filter((i) => Buffer.compare(i.key, app) === 0)));
    node.publish(publisher(liar, await submittedValues(dir('c'), all)));
    state = join(f.dir, 'state');
  });
  after(async () => {
    await node?.close();
    await f?.close();
  });

  const trustixLog = (name: string, key: string) => `[log.${name}]\nkind = trustix\nurl = ${node.url}\nkey = ${key}\n`;
  const check = async (logs: readonly string[], trustix: string): Promise<RunResult & { ms: number }> => {
    const config = await f.config(logs.map((name) => ({ name })), `[state]\ndir = ${state}\n${trustix}`);
    const t0 = performance.now();
    const r = await runCommand('check', ['--json', '--config', config, f.build.paths.app], { env: { NIX_CONFIG } });
    return { ...r, ms: performance.now() - t0 };
  };

  it('votes with the binary caches on every path of the closure; its hashes are the narinfos\' hashes', async () => {
    const r = await check(['a', 'b'], trustixLog('tx', honest.key.base64));
    assert.equal(r.exitCode, 0, r.stderr);
    const d = decisionsOf(r);
    assert.deepEqual([...d.keys()].sort(), [...all].sort());
    for (const p of all) {
      assert.equal(d.get(p)?.verdict, 'trusted', `${p}: ${JSON.stringify(d.get(p))}`);
      assert.ok(d.get(p)?.agree.includes('tx'), `tx voted with the others on ${p}`);
      assert.equal(d.get(p)?.faults.length, 0);
    }
    assert.equal(d.get(f.build.paths.contested)?.narHash, await f.hashOf('a', 'contested'));
    // b lacks rare: a and the Trustix log carry it.
    assert.deepEqual([...d.get(f.build.paths.rare)!.agree].sort(), ['a', 'tx']);
    assert.equal(JSON.parse(await readFile(join(state, `trustix-head.${honestId}`), 'utf8')).TreeSize, '4');
  });

  it('a Trustix log that built otherwise is outvoted like any dissenter, with the liar\'s real NarHash', async () => {
    const r = await check(['a', 'b'], trustixLog('txc', liar.key.base64));
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'trusted', r.stderr);
    assert.equal(d?.narHash, await f.hashOf('a', 'contested'));
    assert.deepEqual(d?.disagree, [{ log: 'txc', narHash: await f.hashOf('c', 'contested') }]);
    const rare = decisionsOf(r).get(f.build.paths.rare);
    assert.deepEqual(rare?.missing.map((m) => [m.log, m.kind]).sort(), [['b', 'not-found'], ['txc', 'not-found']]);
  });

  it('a node that rolls its log back is caught on the next run: a rollback fault on every path, evidence kept', async () => {
    node.headIndex.set(honestId, 1);
    const r = await check(['a', 'b'], trustixLog('tx', honest.key.base64));
    node.headIndex.delete(honestId);
    const d = decisionsOf(r);
    for (const p of all) assert.deepEqual(d.get(p)?.faults.map((x) => [x.log, x.kind]), [['tx', 'rollback']], p);
    assert.equal(d.get(f.build.paths.app)?.verdict, 'trusted', 'a and b still decide');
    assert.equal(d.get(f.build.paths.rare)?.verdict, 'untrusted', 'only a has rare now');
    assert.match(r.stderr, /MISBEHAVIOUR by Trustix log tx .*rollback: log went back from size 4 to 3/);
    assert.ok((await readdir(state)).includes(`trustix-evidence.${honestId}.0`));
  });
});
