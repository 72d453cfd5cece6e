/**
 * `trustix-vote serve` as Nix's only substituter: real nix-build, real signed caches
 * behind it (one lying), a dead and a slow log, Nix's own signature and NarHash checks.
 * serve runs in this process (main() with a test CliIO); Nix runs as itself.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { forget } from '../../src/demo/caches.ts';
import { hasNix, makeFixture, type Fixture } from './fixture.ts';
import { built, fetched, nixBuildVia, startServe, type Serve } from './serve-harness.ts';

const skip = hasNix() ? false : 'nix is not installed: run `npm run setup` (installs Debian nix-bin)';

describe('serve as the substituter of real Nix', { skip }, () => {
  let f: Fixture;
  const servers: Serve[] = [];
  before(async () => {
    f = await makeFixture();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await f?.close();
  });
  const serve = async (...args: Parameters<typeof startServe> extends [unknown, ...infer R] ? R : never) => {
    const s = await startServe(f, ...args);
    servers.push(s);
    return s;
  };
  const clean = () => forget(Object.values(f.build.paths));

  it('substitutes a unanimous path and an outvoted liar\'s path with the honest bytes', async () => {
    await clean();
    const s = await serve([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.contested), run.stderr);
    assert.ok(fetched(run, f.build.paths.libfoo), run.stderr);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^honest /);
    assert.doesNotMatch(run.stderr, /hash mismatch|not signed|does not have a valid signature/);
  });

  it('with nar-urls = upstream, Nix fetches the NAR from the upstream holding the winning hash, never from the liar', async () => {
    await clean();
    // c lies about contested and is the first upstream: the narinfo must point at a's or b's NAR.
    const s = await serve([{ name: 'c' }, { name: 'a' }, { name: 'b' }], 'nar-urls = upstream\n');
    const narinfo = await (await fetch(`${s.url}/${f.build.paths.contested.slice(11, 43)}.narinfo`)).text();
    assert.match(narinfo, new RegExp(`^URL: ${f.servers['a']!.url}/`, 'm'), narinfo);
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.contested), run.stderr);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^honest /);
  });

  it('answers a named policy under /policy/<name>/ with its own verdicts over the same logs', async () => {
    await clean();
    const strict = join(f.dir, 'all-agree.lua');
    await writeFile(strict, 'return function(path, votes, logs)\n  return trustix.percentage(votes, logs, 100)\nend\n');
    const s = await serve([{ name: 'a' }, { name: 'b' }, { name: 'c' }], `[policy.all-agree]\nfile = ${strict}\n`);
    const named = await nixBuildVia(f, { ...s, url: `${s.url}/policy/all-agree` }, 'contested');
    assert.equal(named.exitCode, 0, named.stderr);
    assert.ok(built(named, f.build.paths.contested), `c dissents, so all-agree leaves contested to a local build:\n${named.stderr}`);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /);
    await clean();
    const root = await nixBuildVia(f, s, 'contested');
    assert.equal(root.exitCode, 0, root.stderr);
    assert.ok(fetched(root, f.build.paths.contested), `the default policy at the root trusts 2 of 3:\n${root.stderr}`);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^honest /);
  });

  it('builds locally what fails the policy, and still substitutes the trusted path that depends on it', async () => {
    await clean();
    // a votes honest, c lies, d lacks `contested` and `rare`: neither has a majority.
    const s = await serve([{ name: 'a' }, { name: 'c' }, { name: 'd' }]);
    const run = await nixBuildVia(f, s, 'app');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, f.build.paths.contested), run.stderr);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /, 'the local build, not any cache, made contested');
    assert.ok(built(run, f.build.paths.rare), run.stderr);
    assert.ok(fetched(run, f.build.paths.app), `app is trusted 3 of 3 and must be substituted:\n${run.stderr}`);
    assert.ok(fetched(run, f.build.paths.libfoo), run.stderr);
  });

  it('lets neither a dead log, a slow log nor a forgery through, and keeps Nix within the deadline', async () => {
    await clean();
    f.servers['d']!.delayMs = 60_000;
    try {
      const s = await serve(
        [{ name: 'forged' }, { name: 'b' }, { name: 'c' }, { name: 'dead', url: f.deadUrl }, { name: 'd' }],
        '[query]\ntimeout = 30\ndeadline = 3\n',
      );
      const run = await nixBuildVia(f, s, 'contested');
      assert.equal(run.exitCode, 0, run.stderr);
      // forged is a fault and d never answers: b (honest) and c (liar) have 1 of 5 each.
      assert.ok(built(run, f.build.paths.contested), run.stderr);
      assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /);
      const lines = decisionLines(s).filter((d) => d.path === f.build.paths.contested);
      assert.ok(lines.length > 0);
      // Timed inside serve, from the start of the vote to its decision: what Nix waited for.
      for (const d of lines) assert.ok(typeof d.ms === 'number' && d.ms < 3_000 + 4_000, `voting took ${String(d.ms)} ms with a 3 s deadline (d's timeout: 30 s)`);
      // And every narinfo request Nix made was answered within 10 s (serve's own histogram).
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      const within10 = /^trustix_vote_request_seconds_bucket\{le="10",route="narinfo"\} (\d+)$/m.exec(metrics)?.[1];
      const all = /^trustix_vote_request_seconds_count\{route="narinfo"\} (\d+)$/m.exec(metrics)?.[1];
      assert.ok(all !== undefined && Number(all) > 0, metrics);
      assert.equal(within10, all, 'narinfo requests answered within 10 s, of all');
      const faults = Object.fromEntries((lines[0]!.faults as { log: string; reason: string }[]).map((x) => [x.log, x.reason]));
      assert.match(faults['forged'] ?? '', /signature/);
      assert.match(faults['dead'] ?? '', /refused|down/);
      assert.match(faults['d'] ?? '', /deadline/);
    } finally {
      f.servers['d']!.delayMs = 0;
    }
  });

  for (const [first, compression] of [['b', 'zstd'], ['d', 'none']] as const) {
    it(`streams ${compression}-compressed NARs from the first upstream that holds the winner`, async () => {
      await clean();
      const s = await serve([{ name: first }, { name: 'a' }, { name: 'c' }]);
      const narinfo = await (await fetch(`${s.url}/${f.build.paths.libfoo.slice(11, 43)}.narinfo`)).text();
      assert.match(narinfo, new RegExp(`^Compression: ${compression}$`, 'm'));
      const run = await nixBuildVia(f, s, 'libfoo');
      assert.equal(run.exitCode, 0, run.stderr);
      assert.ok(fetched(run, f.build.paths.libfoo), run.stderr);
    });
  }

  it('never fetches a NAR from an upstream whose NarHash is not the winner', async () => {
    await clean();
    // Upstreams: the liar c, then the forgery (not a log; its contested narinfo names c's hash).
    const s = await serve([{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      `[upstream]\nurls = ${f.servers['c']!.url} ${f.servers['forged']!.url}\n`);
    const hp = (p: string) => p.slice(11, 43);
    const lib = await fetch(`${s.url}/${hp(f.build.paths.libfoo)}.narinfo`);
    assert.match(await lib.text(), /^Compression: bzip2$/m, 'c agrees on libfoo, so its NAR may be used');
    const contested = await fetch(`${s.url}/${hp(f.build.paths.contested)}.narinfo`);
    assert.equal(contested.status, 404, 'trusted, but no upstream holds the winning bytes');
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(built(run, f.build.paths.contested), run.stderr);
    assert.match(await readFile(f.build.paths.contested, 'utf8'), /^local /);
  });

  it('answers hostile requests with 4xx and keeps serving', async () => {
    const s = await serve([{ name: 'a' }, { name: 'b' }]);
    const { port } = new URL(s.url);
    const cases: [string, string][] = [
      ['GET', '/../../etc/passwd'],
      ['GET', '/nar/../../etc/passwd'],
      ['GET', '/abc.narinfo'],
      ['GET', `/${'a'.repeat(33)}.narinfo`],
      ['GET', `/${'x'.repeat(20_000)}`],
      ['GET', '/no/such/route'],
      ['POST', '/nix-cache-info'],
      ['DELETE', '/health'],
      ['GET', `/nar/${'0'.repeat(32)}-${'0'.repeat(52)}-0.nar.xz`],
    ];
    for (const [method, path] of cases) {
      const status = await raw(Number(port), method, path);
      assert.ok(status >= 400 && status < 500, `${method} ${path.slice(0, 60)} → ${status}`);
    }
    assert.equal(await raw(Number(port), 'GET', '/nix-cache-info'), 200);
    assert.equal(await raw(Number(port), 'GET', '/health'), 200);
  });

  it('signs narinfos that Nix accepts, and exposes metrics', async () => {
    await clean();
    const s = await serve([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    const run = await nixBuildVia(f, s, 'libfoo');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.libfoo));
    const { execa } = await import('execa');
    const info = await execa('nix', ['--extra-experimental-features', 'nix-command', 'path-info', '--sigs', f.build.paths.libfoo]);
    assert.ok(String(info.stdout).includes(s.publicKey.split(':')[0]!), `${info.stdout} carries serve's signature`);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /trustix_vote_decisions_total\{verdict="trusted"\} [1-9]/);
    assert.match(metrics, /trustix_vote_requests_total\{route="narinfo",status="200"\}/);
  });

  it('in report mode serves the contested path but records it', async () => {
    await clean();
    const s = await serve([{ name: 'a' }, { name: 'c' }, { name: 'd' }], 'mode = report\n');
    const run = await nixBuildVia(f, s, 'contested');
    assert.equal(run.exitCode, 0, run.stderr);
    assert.ok(fetched(run, f.build.paths.contested), run.stderr);
    const report = (await (await fetch(`${s.url}/report`)).json()) as { total: number; recent: { path: string; verdict: string }[] };
    assert.ok(report.recent.some((d) => d.path === f.build.paths.contested && d.verdict === 'untrusted'), JSON.stringify(report));
    assert.ok(decisionLines(s).some((d) => d.path === f.build.paths.contested && d.verdict === 'untrusted' && d.served === true));
  });

  it('stops cleanly when told to (SIGTERM to the bin: test/integration/bin.test.ts)', async () => {
    const s = await startServe(f, [{ name: 'a' }]);
    assert.equal(await s.stop(), 0);
    assert.match(s.stderr(), /stopped\n$/);
  });
});

function decisionLines(s: Serve): Record<string, unknown>[] {
  return s.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((d) => d['event'] === 'decision');
}

function raw(port: number, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
