/**
 * `[publish] state = DIR` with real Nix: Nix runs hooks/post-build-hook after local
 * builds, `post-build-hook --drain` records them and appends them to our own log
 * (`log init`), and `log serve` then proves each of them to a reader that checks every
 * proof: the map, the log leaf and its inclusion in the signed root, the value.
 * A later local build with other bytes is recorded but refused by the log. serve's
 * periodic drain publishes the same way.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { forget } from '../../src/demo/caches.ts';
import { parseNarHash, parsePathInfoJson, type StorePath } from '../../src/nixfmt/index.ts';
import { NIX_PROTOCOL, deriveLogId, parseLogKey } from '../../src/trustix/index.ts';
import { cli } from '../cli/run.ts';
import { LogClient, fetchPost } from '../logserver/client.ts';
import { hasNix, HOOK, makeFixture, type Fixture } from './fixture.ts';
import { NIX_ENV, fields, logCli, startLogServe, type LogServe } from './log-harness.ts';
import { built, nixBuildVia, startServe, type Serve } from './serve-harness.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

interface Drained { recorded: number; reproduced: number; diverged: number; published?: { added: number; present: number; refused: number } }

describe('[publish]: the drain appends local builds to our own log', { skip, timeout: 300_000 }, () => {
  let f: Fixture;
  let logState: string;
  let cfg: string;
  let key: string;
  let serve: LogServe | undefined;
  const servers: Serve[] = [];
  before(async () => {
    f = await makeFixture();
    logState = join(f.dir, 'my-log');
    const init = await logCli(['init', '--state', logState]);
    assert.equal(init.exitCode, 0, init.stderr);
    key = fields(init.stdout)['public-key']!;
    cfg = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${join(f.dir, 'state')}\n[publish]\nstate = ${logState}\n`);
  });
  after(async () => {
    await Promise.all(servers.map((x) => x.stop()));
    await serve?.stop();
    await f?.close();
  });

  async function buildHere(attr: string, flavour: string): Promise<void> {
    await writeFile(f.build.flavourFile, `${flavour}\n`);
    const conf = ['experimental-features = nix-command', 'sandbox = false', 'build-users-group =', 'substituters =', `post-build-hook = ${HOOK}`].join('\n');
    const r = await execa('nix-build', [f.build.exprFile, '-A', attr, '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], {
      env: { NIX_CONFIG: conf, TRUSTIX_VOTE_CONFIG: cfg }, reject: false, stdin: 'ignore',
    });
    assert.equal(r.exitCode, 0, String(r.stderr));
  }
  async function drainJson(): Promise<{ exitCode: number; stderr: string; j: Drained }> {
    const r = await cli(['post-build-hook', '--drain', '--json', '--config', cfg]);
    return { exitCode: r.exitCode, stderr: r.stderr, j: JSON.parse(r.stdout || '{}') as Drained };
  }
  const localFacts = async (paths: readonly string[]) =>
    new Map(parsePathInfoJson((await execa('nix', ['path-info', '--json', ...paths], { env: NIX_ENV })).stdout).map((i) => [i.path, i]));

  it('records each local build and publishes it; log serve proves it with the facts of the local store', async () => {
    const { contested, libfoo } = f.build.paths;
    await forget(Object.values(f.build.paths));
    await buildHere('contested', 'honest');
    const built = await localFacts([contested, libfoo]);
    const d = await drainJson();
    assert.equal(d.exitCode, 0, d.stderr);
    assert.deepEqual([d.j.recorded, d.j.reproduced], [2, 2]);
    assert.deepEqual(d.j.published, { added: 2, present: 0, refused: 0 });

    serve = await startLogServe(logState);
    const logKey = parseLogKey(key);
    const reader = new LogClient(fetchPost(serve.url), deriveLogId(NIX_PROTOCOL, logKey), logKey, 'proto');
    const head = await reader.head();
    assert.equal(head.treeSize, 2n);
    for (const p of [contested, libfoo] as StorePath[]) {
      const got = await reader.lookup(head, p, { bindToLog: true });
      assert.ok(got !== undefined, `${p} is in the log`);
      assert.equal(got.value.narHash, parseNarHash(built.get(p)!.narHash));
      assert.equal(got.value.narSize, built.get(p)!.narSize);
      assert.deepEqual(got.value.references, built.get(p)!.references);
    }
    assert.equal(await reader.lookup(head, f.build.paths.app as StorePath), undefined, 'app was never built here: proven absent');
  });

  it('a rebuild with other bytes is recorded as diverged, and the log refuses to change its answer', async () => {
    const { contested } = f.build.paths;
    const logKey = parseLogKey(key);
    const reader = new LogClient(fetchPost(serve!.url), deriveLogId(NIX_PROTOCOL, logKey), logKey, 'proto');
    const before = await reader.head();
    const published = (await reader.lookup(before, contested as StorePath))!.value.narHash;
    await forget([f.build.paths.app, contested]);
    await buildHere('contested', 'local');
    const d = await drainJson();
    assert.equal(d.exitCode, 1, 'a diverged build is exit 1');
    assert.deepEqual([d.j.recorded, d.j.diverged], [1, 1]);
    assert.deepEqual(d.j.published, { added: 0, present: 0, refused: 1 });
    assert.match(d.stderr, new RegExp(`refused ${contested}: the log holds other facts for it .*never changes its answer`));
    const after = await reader.head();
    assert.equal(after.treeSize, before.treeSize, 'nothing appended');
    assert.equal((await reader.lookup(after, contested as StorePath))?.value.narHash, published, 'the first answer stands');
  });

  it('serve\'s own periodic drain publishes what Nix built locally behind it', async () => {
    const { contested, libfoo } = f.build.paths;
    const state = join(f.dir, 'serve-state');
    const log2 = join(f.dir, 'serve-log');
    const init = await logCli(['init', '--state', log2]);
    assert.equal(init.exitCode, 0, init.stderr);
    const logKey = parseLogKey(fields(init.stdout)['public-key']!);
    const hookConfig = await f.config([{ name: 'a' }], `[state]\ndir = ${state}\n`);
    // a and c disagree on contested: neither wins and Nix builds it; they agree on libfoo, which is substituted.
    const s = await startServe(f, [{ name: 'a' }, { name: 'c' }], `[state]\ndir = ${state}\ndrain-every = 1\n[publish]\nstate = ${log2}\n`);
    servers.push(s);
    await forget(Object.values(f.build.paths));
    const run = await nixBuildVia(f, s, 'contested', 'honest', { conf: [`post-build-hook = ${HOOK}`], env: { TRUSTIX_VOTE_CONFIG: hookConfig } });
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, contested), run.stderr);
    const t0 = Date.now();
    while (!/"event":"drain".*"published":\{"added":1/.test(s.stderr()) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    assert.match(s.stderr(), /"event":"drain".*"published":\{"added":1,"present":0,"refused":0\}/);
    const built2 = await localFacts([contested]);
    const ls = await startLogServe(log2);
    try {
      const reader = new LogClient(fetchPost(ls.url), deriveLogId(NIX_PROTOCOL, logKey), logKey, 'proto');
      const head = await reader.head();
      const got = await reader.lookup(head, contested as StorePath, { bindToLog: true });
      assert.equal(got?.value.narHash, parseNarHash(built2.get(contested as StorePath)!.narHash));
      assert.equal(await reader.lookup(head, libfoo as StorePath), undefined, 'libfoo was substituted (a and c agree), not built: proven absent');
    } finally {
      await ls.stop();
    }
  });
});
