/**
 * The journal with real Nix: Nix runs hooks/post-build-hook after local builds, the
 * queue is drained against real signed caches (a, b honest; c lies about
 * `contested`), and why/report/evidence tell the story. Also: the hook never fails
 * a build, SIGKILL loses nothing, and one key signing two fingerprints is evidence.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { forget } from '../../src/demo/caches.ts';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import { openReader } from '../../src/journal/index.ts';
import { fingerprint, formatNarInfo, parseNarInfo, parseSecretKey, signFingerprint } from '../../src/nixfmt/index.ts';
import { cli } from '../cli/run.ts';
import { bin } from './bin.ts';
import { hasNix, HOOK, makeFixture, type Fixture } from './fixture.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

describe('local builds, the journal and its commands, with real Nix', { skip }, () => {
  let f: Fixture;
  let state: string;
  let cfg: string;
  before(async () => {
    f = await makeFixture();
    state = join(f.dir, 'journal-state');
    cfg = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${state}\n`);
  });
  after(async () => {
    await f?.close();
  });
  const paths = () => f.build.paths;

  /** nix-build with no substituter, so everything is built here, and the post-build hook set. */
  async function buildHere(attr: string, flavour: string, opts: { config?: string; salt?: string } = {}) {
    await writeFile(f.build.flavourFile, `${flavour}\n`);
    const conf = ['experimental-features = nix-command', 'sandbox = false', 'build-users-group =', 'substituters =', `post-build-hook = ${HOOK}`].join('\n');
    const r = await execa('nix-build', [f.build.exprFile, '-A', attr, '--argstr', 'salt', opts.salt ?? f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], {
      env: { NIX_CONFIG: conf, TRUSTIX_VOTE_CONFIG: opts.config ?? cfg }, reject: false, stdin: 'ignore',
    });
    return { exitCode: r.exitCode ?? -1, out: String(r.stdout).trim(), stderr: String(r.stderr) };
  }
  const queued = async (dir = state) => (await readdir(join(dir, 'spool')).catch(() => [] as string[])).filter((n) => n.endsWith('.build'));
  const drainJson = async (config = cfg) => {
    const r = await cli(['post-build-hook', '--drain', '--json', '--config', config]);
    return { r, j: JSON.parse(r.stdout || '{}') as { recorded: number; reproduced: number; diverged: number; firstBuild: number; kept: number; corrupt: unknown[]; divergedPaths: { path: string; reason: string }[] } };
  };

  it('queues each local build, then records reproduced, diverged and first-build verdicts', async () => {
    await forget(Object.values(paths()));
    const honest = await buildHere('contested', 'honest');
    assert.equal(honest.exitCode, 0, honest.stderr);
    assert.equal((await queued()).length, 2, 'libfoo and contested');
    const text = await readFile(join(state, 'spool', (await queued()).find((n) => /^[0-9a-z]{32}-\d+-\d+\.build$/.test(n))!), 'utf8');
    // Nix 2.8.0 leaves OUT_PATHS empty: then only the .drv is queued.
    assert.match(text, /^trustix-vote-spool 1\ndrv \/nix\/store\/.*\.drv\n(out \/nix\/store\/.*\n)*end\n$/);
    let { r, j } = await drainJson();
    assert.equal(r.exitCode, 0, r.stderr);
    assert.deepEqual([j.recorded, j.reproduced, j.diverged, j.firstBuild], [2, 2, 0, 0]);
    assert.deepEqual(await queued(), [], 'drained files are removed');

    await forget([paths().contested]);
    const liar = await buildHere('contested', 'local');
    assert.equal(liar.exitCode, 0, liar.stderr);
    ({ r, j } = await drainJson());
    assert.equal(r.exitCode, 1, 'a diverged build is exit 1');
    assert.deepEqual([j.recorded, j.diverged], [1, 1]);
    assert.equal(j.divergedPaths[0]?.path, paths().contested);
    assert.match(j.divergedPaths[0]?.reason ?? '', /^a, b say sha256:\w+; this machine built sha256:\w+$/);

    const other = await buildHere('libfoo', 'honest', { salt: `${f.build.salt}-unpublished` });
    assert.equal(other.exitCode, 0, other.stderr);
    ({ r, j } = await drainJson());
    assert.deepEqual([r.exitCode, j.recorded, j.firstBuild], [0, 1, 1]);
    await forget([other.out]);
  });

  it('why tells the story of a path: the local builds and how they compared', async () => {
    const r = await cli(['why', '--config', cfg, paths().contested]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /Local builds \(newest first\)\n {2}\S+ {2}diverged: a, b say sha256:/);
    assert.match(r.stdout, /reproduced: matches the winner, voted by a, b/);
    assert.match(r.stdout, /Decisions \(newest first\)\n {2}\S+ {2}drain: trusted sha256:/);
    assert.match(r.stdout, /c +dissented: sha256:/);
    // Claims are listed as first seen; the logs answer in parallel, so any of them may be first.
    assert.match(r.stdout, /Signed claims\n {2}[abc] \([abc]-1\): sha256:\w+, first seen/);
    for (const log of ['a', 'b', 'c']) assert.match(r.stdout, new RegExp(`^ {2}${log} \\(${log}-1\\): sha256:\\w+, first seen .*\n {6}Sig: ${log}-1:`, 'm'));
    const j = JSON.parse((await cli(['why', '--json', '--config', cfg, paths().contested])).stdout) as { builds: { verdict: string }[] };
    assert.deepEqual(j.builds.map((b) => b.verdict), ['diverged', 'reproduced']);
    const none = await cli(['why', '--config', cfg, '/nix/store/00000000000000000000000000000000-nothing']);
    assert.equal(none.exitCode, 1);
    assert.match(none.stdout, /has nothing about this path/);
    assert.equal((await cli(['why', '--config', cfg, 'not a path'])).exitCode, 2);
  });

  it('report counts the builds, lists the diverged one and each log\'s record', async () => {
    const r = await cli(['report', '--config', cfg]);
    assert.equal(r.exitCode, 1, 'a diverged build is worth attention');
    // libfoo and contested (honest), contested again (diverged), an unpublished libfoo (first build).
    assert.match(r.stdout, /Local builds: 4 \(2 reproduced, 1 diverged, 1 first build\(s\)\)/);
    assert.match(r.stdout, /you rebuilt 1 path\(s\) the vote rejected: 0 reproduced the majority, 0 diverged, 1 no log had/);
    assert.match(r.stdout, new RegExp(`diverged \\(1\\):\n {4}${paths().contested}\n {6}a, b say`));
    assert.match(r.stdout, /^c +\d+ +[1-9]\d* +/m, 'c dissented');
    const j = JSON.parse((await cli(['report', '--json', '--config', cfg])).stdout) as { builds: { diverged: number }; logs: { log: string }[] };
    assert.equal(j.builds.diverged, 1);
    assert.deepEqual(j.logs.map((l) => l.log), ['a', 'b', 'c']);
    const future = await cli(['report', '--config', cfg, '--since', '2099-01-01']);
    assert.equal(future.exitCode, 0);
    assert.match(future.stdout, /Local builds: 0/);
  });

  it('report --closure says which paths two keys confirm and which rest on one', async () => {
    const built = await buildHere('app', 'honest');
    assert.equal(built.exitCode, 0, built.stderr);
    // d has neither rare nor contested; a alone has rare.
    const cfgAd = await f.config([{ name: 'a' }, { name: 'd' }], `[state]\ndir = ${state}\n`);
    const check = await cli(['check', '--config', cfgAd, paths().app]);
    assert.ok(check.exitCode <= 1, check.stderr);
    const r = await cli(['report', '--config', cfg, '--closure', paths().app]);
    assert.equal(r.exitCode, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /Closure of .*: 4 path\(s\)/);
    assert.match(r.stdout, new RegExp(`rest on one key only:\\n {4}${paths().rare} {2}\\(a-1`));
    await drainJson();
  });

  it('Nix\'s build succeeds and the hook exits 0 when the queue cannot be written, is corrupt, or the logs are down', async () => {
    await forget(Object.values(paths()));
    // The state directory is a file: nothing can be queued.
    const blocked = join(f.dir, 'blocked');
    await writeFile(blocked, '');
    const cfgBlocked = await f.config([{ name: 'a' }], `[state]\ndir = ${join(blocked, 'state')}\n`);
    let b = await buildHere('libfoo', 'honest', { config: cfgBlocked });
    assert.equal(b.exitCode, 0, b.stderr);
    assert.match(b.stderr, /trustix-vote post-build-hook: cannot create .*not recorded/);
    await forget(Object.values(paths()));
    // A configuration that does not exist.
    b = await buildHere('libfoo', 'honest', { config: join(f.dir, 'absent.ini') });
    assert.equal(b.exitCode, 0, b.stderr);
    await forget(Object.values(paths()));
    // A corrupt queue: junk beside the builds; the drain moves it aside once.
    const st2 = join(f.dir, 'state-corrupt');
    const cfg2 = await f.config([{ name: 'a' }, { name: 'dead', url: f.deadUrl }], `[state]\ndir = ${st2}\n`);
    await mkdir(join(st2, 'spool'), { recursive: true });
    await writeFile(join(st2, 'spool', 'junk-1-0.build'), 'not a queue file');
    b = await buildHere('libfoo', 'honest', { config: cfg2 });
    assert.equal(b.exitCode, 0, b.stderr);
    assert.equal((await queued(st2)).length, 2);
    const { r, j } = await drainJson(cfg2);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(j.corrupt.length, 1);
    assert.match(r.stderr, /junk-1-0\.build moved to .*corrupt.*does not start/);
    assert.equal(j.reproduced, 1, 'a answers; the dead log is a fault');
    assert.deepEqual(await queued(st2), []);
    assert.ok((await readdir(join(st2, 'spool', 'corrupt'))).includes('junk-1-0.build'));
    // Every log down: the build stays queued for the next drain.
    await forget(Object.values(paths()));
    const cfg3 = await f.config([{ name: 'dead', url: f.deadUrl }], `[state]\ndir = ${st2}\n`);
    b = await buildHere('libfoo', 'honest', { config: cfg3 });
    assert.equal(b.exitCode, 0, b.stderr);
    const down = await drainJson(cfg3);
    assert.deepEqual([down.r.exitCode, down.j.recorded, down.j.kept], [0, 0, 1]);
    assert.equal((await queued(st2)).length, 1);
  });

  it('a drain killed with SIGKILL loses no queued build and no committed row', async () => {
    const st = join(f.dir, 'state-kill');
    const cfgK = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${st}\n`);
    await forget(Object.values(paths()));
    assert.equal((await buildHere('app', 'honest', { config: cfgK })).exitCode, 0);
    const [one] = await queued(st);
    const text = await readFile(join(st, 'spool', one!), 'utf8');
    for (let i = 0; i < 600; i++) await writeFile(join(st, 'spool', `copy${String(i).padStart(4, '0')}-1-0.build`), text);
    const total = (await queued(st)).length;
    const db = join(st, 'journal.sqlite');
    const count = () => {
      try {
        const r = openReader(db);
        try {
          return r.prepare('SELECT count(DISTINCT spool) FROM builds').pluck().get() as number;
        } finally {
          r.close();
        }
      } catch {
        return 0;
      }
    };
    // The bin, as a process of its own: SIGKILL takes it down whatever it is doing.
    const proc = execa(bin().file, [...bin().args, 'post-build-hook', '--drain', '--config', cfgK], { reject: false, stdin: 'ignore' });
    const t0 = Date.now();
    while (count() === 0 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 20));
    proc.kill('SIGKILL');
    await proc;
    const committed = count();
    const left = (await queued(st)).length;
    assert.ok(committed > 0 && left > 0, `killed mid-drain: ${committed} recorded, ${left} queued`);
    assert.ok(committed + left >= total, `nothing lost: ${committed} recorded + ${left} queued of ${total}`);
    const again = await cli(['post-build-hook', '--drain', '--config', cfgK]);
    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(count(), total, 'every queued build recorded once');
    assert.deepEqual(await queued(st), []);
  });

  it('keeps two fingerprints signed by one key as evidence, warns loudly, and counts that log\'s later votes as faults', async () => {
    // a2: a's cache, but `contested` carries c's NarHash, validly signed with a's key.
    const a2 = join(f.dir, 'cache-a2');
    await cp(join(f.dir, 'cache-a'), a2, { recursive: true });
    const hp = paths().contested.slice(11, 43);
    const liar = parseNarInfo(await readFile(join(f.dir, 'cache-c', `${hp}.narinfo`), 'utf8'));
    const key = parseSecretKey((await readFile(join(f.dir, 'a.sec'), 'utf8')).trim());
    await writeFile(join(a2, `${hp}.narinfo`), formatNarInfo({ ...liar, sigs: [signFingerprint(fingerprint(liar), key)] }));
    const server: StaticCache = await serveDirectory(a2);
    try {
      const st = join(f.dir, 'state-evidence');
      await mkdir(st, { recursive: true });
      const honestCfg = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${st}\n`);
      const twoFaced = await f.config([{ name: 'a', cache: 'a', url: server.url }, { name: 'b' }, { name: 'c' }], `[state]\ndir = ${st}\n`);
      assert.equal((await cli(['check', '--json', '--config', honestCfg, paths().contested])).exitCode, 0);
      assert.equal((await cli(['evidence', '--config', honestCfg])).exitCode, 0);
      const r = await cli(['check', '--json', '--config', twoFaced, paths().contested]);
      assert.match(r.stderr, /\*\*\* trustix-vote: EQUIVOCATION: key a-1 signed two different fingerprints for .*-contested/);
      const d = (JSON.parse(r.stdout) as { path: string; verdict: string; faults: { log: string; kind: string }[] }[]).find((x) => x.path === paths().contested);
      assert.deepEqual(d?.faults.map((x) => [x.log, x.kind]), [['a', 'equivocation']], 'the lie itself is not counted');
      const later = await cli(['check', '--json', '--config', honestCfg, paths().libfoo]);
      const l = (JSON.parse(later.stdout) as { faults: { log: string; kind: string }[] }[])[0];
      assert.deepEqual(l?.faults.map((x) => [x.log, x.kind]), [['a', 'equivocation']], 'every later answer of a, about any path');
      const ev = await cli(['evidence', '--json', '--config', honestCfg]);
      assert.equal(ev.exitCode, 1);
      const items = JSON.parse(ev.stdout) as { key: string; path: string; verified: boolean; claims: { log: string; sig: string }[] }[];
      assert.equal(items.length, 1);
      assert.equal(items[0]?.path, paths().contested);
      assert.equal(items[0]?.key, f.keys['a']);
      assert.equal(items[0]?.verified, true, 'both signatures check out against a\'s public key');
      assert.match((await cli(['evidence', '--config', honestCfg])).stdout, /both signatures check out/);
    } finally {
      await server.close();
      await rm(a2, { recursive: true, force: true });
    }
  });
});
