/**
 * `trustix-vote serve` as real Nix's only substituter, voting over binary caches and
 * our own Trustix log (`log init`, `log submit` from the local store, `log serve`, all
 * as subprocesses). Each Trustix log is a builder: it built the demo closure with its
 * own flavour, submitted what it got, and forgot the paths again. A Trustix node holds
 * no NARs: what Nix downloads comes from the caches whose NarHash is the winner.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { forget } from '../../src/demo/caches.ts';
import { hasNix, makeFixture, type Fixture } from './fixture.ts';
import { NIX_ENV, fields, logCli, startLogServe, type LogServe } from './log-harness.ts';
import { built, fetched, nixBuildVia, startServe, type Serve } from './serve-harness.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

interface OwnLog { readonly name: string; readonly key: string; readonly serve: LogServe }

describe('serve with our own Trustix log among binary caches, under real Nix', { skip, timeout: 600_000 }, () => {
  let f: Fixture;
  const logs: Record<string, OwnLog> = {};
  const servers: Serve[] = [];
  const clean = () => forget(Object.values(f.build.paths));

  /** A builder that builds the closure of `app` with `flavour` and publishes it in a log of its own. */
  async function builderLog(name: string, flavour: string): Promise<OwnLog> {
    const state = join(f.dir, `log-${name}`);
    const init = await logCli(['init', '--state', state]);
    assert.equal(init.exitCode, 0, init.stderr);
    await clean();
    await writeFile(f.build.flavourFile, `${flavour}\n`);
    const out = await execa('nix-build', [f.build.exprFile, '-A', 'app', '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], { env: NIX_ENV });
    const closure = await execa('nix-store', ['-qR', out.stdout.trim()], { env: NIX_ENV });
    const submit = await logCli(['submit', '--state', state, '--stdin'], `${closure.stdout}\n`);
    assert.equal(submit.exitCode, 0, submit.stderr);
    assert.equal(submit.stdout.split('\n').filter((l) => l.startsWith('added ')).length, 4, submit.stdout);
    await clean();
    return { name, key: fields(init.stdout)['public-key']!, serve: await startLogServe(state) };
  }

  before(async () => {
    f = await makeFixture();
    logs['honest'] = await builderLog('honest', 'honest');
    logs['liar'] = await builderLog('liar', 'tampered');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(Object.values(logs).map((l) => l.serve.stop()));
    await f?.close();
  });

  const trustix = (...names: string[]) => names.map((n) => `[log.tx-${n}]\nkind = trustix\nurl = ${logs[n]!.serve.url}\nkey = ${logs[n]!.key}\n`).join('\n');
  const serve = async (caches: readonly string[], extra: string) => {
    const s = await startServe(f, caches.map((name) => ({ name })), extra);
    servers.push(s);
    return s;
  };

  it('substitutes what a cache and the Trustix log agree on, and builds the path they disagree on', async () => {
    await clean();
    // a built contested honestly; the Trustix builder's contested has other bytes.
    const s = await serve(['a'], trustix('liar'));
    const run = await nixBuildVia(f, s, 'app');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, f.build.paths.contested), `a and tx-liar disagree on contested: 1 of 2 each\n${run.stderr}`);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /, 'the local build made contested');
    for (const p of [f.build.paths.app, f.build.paths.libfoo, f.build.paths.rare]) {
      assert.ok(fetched(run, p), `${p} is trusted 2 of 2 and substituted:\n${run.stderr}`);
      assert.ok(!built(run, p), `${p} was not built`);
    }
    const lines = decisionLines(s);
    const contested = lines.find((d) => d.path === f.build.paths.contested);
    assert.equal(contested?.verdict, 'untrusted', JSON.stringify(lines));
    const app = lines.find((d) => d.path === f.build.paths.app);
    assert.equal(app?.verdict, 'trusted', JSON.stringify(lines));
    assert.equal(app?.reason, '2 of 2 logs agree');
  });

  it('outvotes a lying cache with the Trustix log, and takes the NAR from the cache that has the winner, not the first upstream', async () => {
    await clean();
    // c lies about contested and is the first upstream; rare is in a and in the log only.
    const s = await serve(['a', 'c'], `${trustix('honest')}\n[upstream]\nurls = ${f.servers['c']!.url} ${f.servers['a']!.url}\n`);
    const run = await nixBuildVia(f, s, 'app');
    assert.equal(run.exitCode, 0, run.stderr);
    for (const p of Object.values(f.build.paths)) assert.ok(fetched(run, p) && !built(run, p), `${p} substituted:\n${run.stderr}`);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^honest /, 'a\'s bytes, not c\'s');
    assert.doesNotMatch(run.stderr, /hash mismatch|not signed|does not have a valid signature/);
    const contested = decisionLines(s).find((d) => d.path === f.build.paths.contested);
    assert.equal(contested?.reason, '2 of 3 logs agree; c voted otherwise');
  });

  it('never takes the Trustix node as an upstream: a path only the log vouches for, with no cache holding its bytes, is built', async () => {
    await clean();
    const policy = join(f.dir, 'trust-tx.lua');
    await writeFile(policy, 'return function(path, votes, logs)\n  return trustix.name(votes, "tx-honest")\nend\n');
    // c names contested (it lied about it); the log's honest NarHash wins, and c, the only cache, lacks those bytes.
    const s = await serve(['c'], `${trustix('honest')}\n[policy]\nfile = ${policy}\n`);
    const contested = await fetch(`${s.url}/${f.build.paths.contested.slice(11, 43)}.narinfo`);
    assert.equal(contested.status, 404, await contested.text());
    const line = decisionLines(s).find((d) => d.path === f.build.paths.contested);
    assert.equal(line?.verdict, 'trusted', s.stderr());
    assert.equal(line?.narHash, await f.hashOf('a', 'contested'), 'the log\'s vote won');
    assert.equal(line?.served, false, 'no upstream holds the winning bytes');
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, f.build.paths.contested), run.stderr);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /);
    assert.ok(fetched(run, f.build.paths.libfoo), `c and the log agree on libfoo:\n${run.stderr}`);
  });

  it('votes a path no binary cache names, by the name a trusted path gave it, and fetches it from an upstream', async () => {
    await clean();
    const policy = join(f.dir, 'trust-tx-names.lua');
    await writeFile(policy, 'return function(path, votes, logs)\n  return trustix.name(votes, "tx-honest")\nend\n');
    // b lacks rare: only the log knows its name, until app's References give it; a holds its bytes.
    const s = await serve(['b'], `${trustix('honest')}\n[policy]\nfile = ${policy}\n[upstream]\nurls = ${f.servers['b']!.url} ${f.servers['a']!.url}\n`);
    const run = await nixBuildVia(f, s, 'app');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.rare) && !built(run, f.build.paths.rare), `rare substituted:\n${run.stderr}`);
    const rare = decisionLines(s).filter((d) => d.path === f.build.paths.rare).at(-1);
    assert.equal(rare?.verdict, 'trusted', s.stderr());
  });
});

interface DecisionLine { path: string; verdict: string; reason: string; narHash?: string; served: boolean }

function decisionLines(s: Serve): DecisionLine[] {
  return s.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((d) => d['event'] === 'decision') as unknown as DecisionLine[];
}
