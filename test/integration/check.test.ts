/**
 * `trustix-vote check` end to end: real Nix builds, real signed caches over HTTP on
 * 127.0.0.1, real fengari policies, the CLI's main() run in process as the bin runs it.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cli } from '../cli/run.ts';
import { decisionsOf, hasNix, makeFixture, type Fixture } from './fixture.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

describe('check against real caches', { skip }, () => {
  let f: Fixture;
  let honest: string;
  let lie: string;
  before(async () => {
    f = await makeFixture();
    honest = await f.hashOf('a', 'contested');
    lie = await f.hashOf('c', 'contested');
    assert.notEqual(honest, lie, 'the lying builder must really produce other bytes');
  });
  after(() => f?.close());

  const policy = async (name: string, lua: string) => {
    const file = join(f.dir, name);
    await writeFile(file, lua);
    return file;
  };

  it('trusts a path every log agrees on', async () => {
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), f.build.paths.libfoo]);
    const d = decisionsOf(r).get(f.build.paths.libfoo);
    assert.equal(d?.verdict, 'trusted', r.stderr);
    assert.deepEqual([...(d?.agree ?? [])].sort(), ['a', 'b', 'c']);
  });

  it('outvotes a lying builder 2 of 3 and keeps the honest hash', async () => {
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), f.build.paths.contested]);
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'trusted');
    assert.equal(d?.narHash, honest);
    assert.deepEqual(d?.disagree, [{ log: 'c', narHash: lie }]);
  });

  it('leaves a path to a local build when liar and a missing log deny a majority of configured logs', async () => {
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'c' }, { name: 'd' }]), f.build.paths.contested]);
    assert.equal(r.exitCode, 1);
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'untrusted');
    assert.equal(d?.narHash, null);
    assert.deepEqual(d?.missing, [{ log: 'd', kind: 'not-found', reason: 'no narinfo (HTTP 404)' }]);
    assert.match(d?.reason ?? '', /\S/);
  });

  it('falls back to a named log with a composed Lua policy', async () => {
    const p = await policy('fallback.lua', 'return function(p, v, l) return trustix.percentage(v, l, 66) or trustix.name(v, "a") end\n');
    const r = await cli(['check', '--json', '--policy', p, '--config', await f.config([{ name: 'a' }, { name: 'c' }, { name: 'd' }]), f.build.paths.contested]);
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'trusted');
    assert.equal(d?.narHash, honest);
    assert.equal(r.exitCode, 0);
  });

  it('counts a forged signature as a fault, never as a vote', async () => {
    // If the forgery counted, the liar's hash would have 2 of 3 votes.
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'forged' }, { name: 'b' }, { name: 'c' }]), f.build.paths.contested]);
    const d = decisionsOf(r).get(f.build.paths.contested);
    assert.equal(d?.verdict, 'untrusted');
    assert.deepEqual(d?.faults.map((x) => x.log), ['forged']);
    assert.match(d?.faults[0]?.reason ?? '', /signature/);
  });

  it('treats a dead log as a fault and still decides with the others', async () => {
    const cfg = await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }, { name: 'dead', url: f.deadUrl }]);
    const r = await cli(['check', '--json', '--config', cfg, f.build.paths.libfoo]);
    const d = decisionsOf(r).get(f.build.paths.libfoo);
    assert.equal(d?.verdict, 'trusted');
    assert.deepEqual(d?.faults.map((x) => x.log), ['dead']);
    assert.match(d?.faults[0]?.reason ?? '', /refused/);
  });

  /**
   * check of libfoo over a, b, c with b answering after 30 s, under this [query]; `ms` is
   * from the moment b is asked until check returns: the run itself, without the start of
   * any process (Nix's, listing the closure) and without loading the CLI.
   */
  const withSlowB = async (query: string) => {
    const b = f.servers['b']!;
    let asked: number | undefined;
    b.delayMs = 30_000;
    b.onRequest = () => void (asked ??= performance.now());
    try {
      const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }], query), f.build.paths.libfoo]);
      const ms = asked === undefined ? Infinity : performance.now() - asked;
      return { r, d: decisionsOf(r).get(f.build.paths.libfoo), ms };
    } finally {
      b.delayMs = 0;
      b.onRequest = undefined;
    }
  };

  it('holds the run deadline against a slow log', async () => {
    const { d, ms } = await withSlowB('[query]\ntimeout = 20\ndeadline = 3\n');
    assert.ok(ms < 3_000 + 4_000, `check took ${Math.round(ms)} ms after asking b, with a 3 s deadline (b's timeout: 20 s)`);
    assert.equal(d?.verdict, 'trusted', 'a and c still agree: 2 of 3');
    assert.match(d?.faults.find((x) => x.log === 'b')?.reason ?? '', /deadline/);
  });

  it('gives up on a slow log after the per-request timeout', async () => {
    const { d, ms } = await withSlowB('[query]\ntimeout = 1\ndeadline = 30\nretries = 0\n');
    assert.ok(ms < 1_000 + 4_000, `check took ${Math.round(ms)} ms after asking b, with a 1 s timeout (deadline: 30 s)`);
    assert.match(d?.faults.find((x) => x.log === 'b')?.reason ?? '', /no answer within 1 s/);
  });

  for (const [name, lua, why] of [
    ['a Lua error', 'return function(p, v, l) error("boom") end\n', /boom/],
    ['a runaway loop', 'return function(p, v, l) while true do end end\n', /budget of 1000000 instructions|time limit of 200 ms/],
    ['a policy returning a hash nobody voted for', `return function(p, v, l) return "sha256:${'0'.repeat(52)}" end\n`, /no log voted for/],
  ] as const) {
    it(`makes ${name} untrusted, with the reason`, async () => {
      const p = await policy(`${name.replace(/\W+/g, '-')}.lua`, lua);
      const r = await cli(['check', '--json', '--policy', p, '--config', await f.config([{ name: 'a' }, { name: 'b' }]), f.build.paths.libfoo]);
      assert.equal(r.exitCode, 1, r.stderr);
      const d = decisionsOf(r).get(f.build.paths.libfoo);
      assert.equal(d?.verdict, 'untrusted');
      assert.match(d?.reason ?? '', why);
    });
  }

  it('keeps a policy away from os.execute', async () => {
    const marker = join(f.dir, 'pwned');
    const p = await policy('escape.lua', `return function(p, v, l) os.execute("touch ${marker}") return v[1].nar_hash end\n`);
    const r = await cli(['check', '--json', '--policy', p, '--config', await f.config([{ name: 'a' }, { name: 'b' }]), f.build.paths.libfoo]);
    assert.equal(decisionsOf(r).get(f.build.paths.libfoo)?.verdict, 'untrusted');
    assert.equal(existsSync(marker), false);
  });

  it('reports a policy that does not load before asking any log (exit 2, file:line)', async () => {
    const p = await policy('syntax.lua', 'return function(p, v, l)\n  return 1 +\nend\n');
    const before = f.servers['a']!.requests;
    const r = await cli(['check', '--policy', p, '--config', await f.config([{ name: 'a' }, { name: 'b' }]), f.build.paths.libfoo]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /syntax\.lua:\d+/);
    assert.equal(f.servers['a']!.requests, before);
  });

  it('learns the closure of a path absent from the local store through References', async () => {
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), f.build.paths.app]);
    const ds = decisionsOf(r);
    assert.deepEqual([...ds.keys()].sort(), Object.values(f.build.paths).sort());
    assert.equal(ds.get(f.build.paths.rare)?.verdict, 'untrusted', 'only a has rare');
    assert.equal(ds.get(f.build.paths.contested)?.narHash, honest);
    assert.equal(r.exitCode, 1);
  });

  it('votes on the outputs of every derivation in a .drv closure', async () => {
    const drv = await instantiate(f, 'app');
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), drv]);
    assert.deepEqual([...decisionsOf(r).keys()].sort(), Object.values(f.build.paths).sort());
  });

  it('instantiates a Nix file target with -A', async () => {
    const r = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
      '-A', 'contested', '--arg', 'x', f.build.exprFile], {});
    // --arg is not an option of check: usage error, exit 2, nothing asked.
    assert.equal(r.exitCode, 2);
    const ok = await cli(['check', '--json', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), '-A', 'libfoo', await wrapper(f)]);
    assert.deepEqual([...decisionsOf(ok).keys()], [f.build.paths.libfoo]);
  });

  it('exits 3 with Nix\'s own message when the target does not evaluate', async () => {
    const broken = join(f.dir, 'broken.nix');
    await writeFile(broken, 'let x = ; in x\n');
    const r = await cli(['check', '--config', await f.config([{ name: 'a' }]), broken]);
    assert.equal(r.exitCode, 3, r.stderr);
    assert.match(r.stderr, /nix-instantiate .*syntax error/);
  });

  it('prints a table and a summary for people', async () => {
    const r = await cli(['check', '--config', await f.config([{ name: 'a' }, { name: 'b' }, { name: 'c' }]), f.build.paths.app]);
    assert.match(r.stdout, /^PATH\s+VERDICT\s+AGREE\s+OTHER\s+MISSING\s+FAULT\s+REASON/);
    assert.match(r.stdout, /3 trusted, 1 would be rebuilt locally/);
  });

  it('refuses a bad config with exit 2 naming file, section and key', async () => {
    const cfg = await f.config([{ name: 'a' }], '[query]\ntimeout = soon\n');
    const r = await cli(['check', '--config', cfg, f.build.paths.libfoo]);
    assert.equal(r.exitCode, 2);
    assert.ok(r.stderr.includes(cfg), r.stderr);
    assert.match(r.stderr, /\[query\] timeout/);
  });

  it('refuses two logs with the same key: they are one builder', async () => {
    const r = await cli(['check', '--config', await f.config([{ name: 'a' }, { name: 'a-again', cache: 'a' }]), f.build.paths.libfoo]);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /"a" and "a-again"/);
  });
});

async function instantiate(f: Fixture, attr: string): Promise<string> {
  const { execa } = await import('execa');
  const r = await execa('nix-instantiate', [f.build.exprFile, '-A', attr, '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile]);
  return String(r.stdout).trim();
}

/** A Nix file with no arguments, as a user's default.nix would be. */
async function wrapper(f: Fixture): Promise<string> {
  const file = join(f.dir, 'wrapper.nix');
  await writeFile(file, `import ${f.build.exprFile} { salt = "${f.build.salt}"; flavourFile = "${f.build.flavourFile}"; }\n`);
  return file;
}
