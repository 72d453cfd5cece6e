/**
 * serve with the journal, under real Nix: decisions recorded after Nix has its
 * answer, the post-build hook's queue drained on serve's own timer, SIGKILL losing
 * nothing committed or queued, an unwritable journal said once while serving goes
 * on, and `kind = local` letting this machine's own build count as a vote.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { forget } from '../../src/demo/caches.ts';
import { openReader } from '../../src/journal/index.ts';
import { execa } from 'execa';
import { cli } from '../cli/run.ts';
import { bin } from './bin.ts';
import { decisionsOf, hasNix, HOOK, makeFixture, type Fixture } from './fixture.ts';
import { built, fetched, keygen, nixBuildVia, startServe, type Serve } from './serve-harness.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

describe('serve and the journal, with real Nix', { skip }, () => {
  let f: Fixture;
  const servers: Serve[] = [];
  before(async () => {
    f = await makeFixture();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await f?.close();
  });
  const serve = async (logs: Parameters<typeof startServe>[1], extra: string) => {
    const s = await startServe(f, logs, extra);
    servers.push(s);
    return s;
  };
  const hooked = (state: string) => ({ conf: [`post-build-hook = ${HOOK}`], env: { TRUSTIX_VOTE_CONFIG: join(state, 'hook.ini') } });
  const count = (state: string, sql: string): number => {
    try {
      const db = openReader(join(state, 'journal.sqlite'));
      try {
        return db.prepare(sql).pluck().get() as number;
      } finally {
        db.close();
      }
    } catch {
      return 0;
    }
  };
  const until = async (cond: () => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 50));
    return cond();
  };
  const queued = async (state: string) => (await readdir(join(state, 'spool')).catch(() => [] as string[])).filter((n) => n.endsWith('.build'));

  it('records every decision and drains the builds Nix made locally on its own timer', async () => {
    await forget(Object.values(f.build.paths));
    const state = join(f.dir, 'serve-state');
    const s = await serve([{ name: 'a' }, { name: 'c' }, { name: 'd' }], `[state]\ndir = ${state}\ndrain-every = 1\n`);
    await writeFile(join(state, 'hook.ini'), await readFile(await f.config([{ name: 'a' }, { name: 'c' }, { name: 'd' }], `[state]\ndir = ${state}\n`), 'utf8'));
    const run = await nixBuildVia(f, s, 'app', 'honest', hooked(state));
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, f.build.paths.contested) && fetched(run, f.build.paths.app), run.stderr);
    assert.ok(await until(() => count(state, 'SELECT count(*) FROM builds') >= 2), `serve drained: ${s.stderr()}`);
    assert.ok(count(state, `SELECT count(*) FROM decisions WHERE source = 'serve' AND served = 1`) >= 2, 'app and libfoo served');
    assert.ok(count(state, `SELECT count(*) FROM decisions WHERE source = 'serve' AND served = 0`) >= 2, 'contested and rare not');
    // The drain's line follows its commit.
    assert.ok(await until(() => /"event":"drain","recorded":\d/.test(s.stderr())), s.stderr());
    const why = await cli(['why', '--config', join(state, 'hook.ini'), f.build.paths.contested]);
    assert.match(why.stdout, /reproduced: matches what most logs voted \(a\)|reproduced: matches a; c voted otherwise/);
    assert.match(why.stdout, /serve: untrusted, not served/);
  });

  it('lets this machine\'s own build count as a vote (kind = local)', async () => {
    const state = join(f.dir, 'serve-state');
    const logs = (withMe: boolean) => f.config([{ name: 'a' }, { name: 'c' }], `[state]\ndir = ${state}\n${withMe ? '[log.me]\nkind = local\n' : ''}`);
    const without = decisionsOf(await cli(['check', '--json', '--config', await logs(false), f.build.paths.contested])).get(f.build.paths.contested);
    assert.equal(without?.verdict, 'untrusted', 'a and c disagree: one each');
    const r = await cli(['check', '--json', '--config', await logs(true), f.build.paths.contested]);
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'trusted', r.stderr);
    assert.deepEqual([...(d?.agree ?? [])].sort(), ['a', 'me']);
  });

  it('a serve killed with SIGKILL mid-drain loses no queued build and no committed decision', async () => {
    const state = join(f.dir, 'kill-state');
    await writeFile(join(f.dir, 'kill-hook.ini'), `[state]\ndir = ${state}\n[log.a]\nkind = binary-cache\nurl = ${f.servers['a']!.url}\nkey = ${f.keys['a']}\n`);
    // rare is built here first (no substituter), queued and drained by a drain of its own.
    await forget(Object.values(f.build.paths));
    await writeFile(f.build.flavourFile, 'honest\n');
    const conf = ['experimental-features = nix-command', 'sandbox = false', 'build-users-group =', 'substituters =', `post-build-hook = ${HOOK}`].join('\n');
    const b = await execa('nix-build', [f.build.exprFile, '-A', 'rare', '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], {
      env: { NIX_CONFIG: conf, TRUSTIX_VOTE_CONFIG: join(f.dir, 'kill-hook.ini') }, reject: false, stdin: 'ignore',
    });
    assert.equal(b.exitCode, 0, String(b.stderr));
    const text = `trustix-vote-spool 1\nout ${f.build.paths.rare}\nend\n`;
    for (let i = 0; i < 800; i++) await writeFile(join(state, 'spool', `copy${String(i).padStart(4, '0')}-1-0.build`), text);
    const total = (await queued(state)).length;
    // serve as its own process, so that SIGKILL is what it is.
    const sec = join(f.dir, 'kill-serve.sec');
    await keygen('kill-serve-1', sec, join(f.dir, 'kill-serve.pub'));
    const cfg = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[serve]\nsigning-key = ${sec}\n[state]\ndir = ${state}\ndrain-every = 1\n`);
    const proc = execa(bin().file, [...bin().args, 'serve', '--config', cfg, '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore' });
    try {
      assert.ok(await until(() => count(state, 'SELECT count(*) FROM builds') > 0), 'serve started draining');
      const decisions = count(state, 'SELECT count(*) FROM decisions');
      proc.kill('SIGKILL');
      await proc;
      assert.ok(count(state, 'SELECT count(*) FROM decisions') >= decisions, 'committed decisions survive');
    } finally {
      proc.kill('SIGKILL');
    }
    const recorded = count(state, 'SELECT count(DISTINCT spool) FROM builds');
    const left = (await queued(state)).length;
    assert.ok(left > 0, `killed mid-drain (${recorded} recorded)`);
    assert.ok(recorded + left >= total, `nothing lost: ${recorded} recorded + ${left} queued of ${total}`);
    const again = await cli(['post-build-hook', '--drain', '--config', cfg]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(count(state, 'SELECT count(DISTINCT spool) FROM builds'), total);
    assert.deepEqual(await queued(state), []);
  });

  it('says once that the journal cannot be written, and serves on', async () => {
    await forget(Object.values(f.build.paths));
    const file = join(f.dir, 'not-a-dir');
    await writeFile(file, '');
    const s = await serve([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${join(file, 'state')}\n`);
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.contested), run.stderr);
    assert.equal(s.stderr().match(/cannot open the journal/g)?.length, 1, s.stderr());
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^honest /);
  });
});
