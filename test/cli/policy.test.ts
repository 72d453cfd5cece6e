/** `trustix-vote policy test` on sample votes, through main() as the bin runs it. */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { cli } from './run.ts';

const H = (c: string) => `sha256:0${c.repeat(51)}`;
const P = (n: string) => `/nix/store/${'b'.repeat(32)}-${n}`;

const sample = {
  logs: [{ name: 'cache.nixos.org' }, { name: 'builder-b' }, { name: 'builder-c', weight: 2 }],
  paths: [
    { path: P('agreed'), answers: { 'cache.nixos.org': { narHash: H('1'), narSize: 10 }, 'builder-b': { narHash: H('1'), narSize: 10 }, 'builder-c': { narHash: H('1'), narSize: 10 } } },
    { path: P('split'), answers: { 'cache.nixos.org': { narHash: H('1'), narSize: 10 }, 'builder-b': { narHash: H('2'), narSize: 10 }, 'builder-c': { outcome: 'fault', reason: 'timeout' } } },
    { path: P('alone'), answers: { 'builder-b': { narHash: H('3'), narSize: 10 } } },
  ],
};

describe('policy test', () => {
  let dir: string;
  let votes: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-policy-'));
    votes = join(dir, 'votes.json');
    await writeFile(votes, JSON.stringify(sample));
  });
  const policy = async (lua: string) => {
    const file = join(dir, `p${Math.random().toString(36).slice(2)}.lua`);
    await writeFile(file, lua);
    return file;
  };

  it('shows what the seed policy (two thirds, else cache.nixos.org) decides', async () => {
    const p = await policy('return function(p, v, l) return trustix.percentage(v, l, 66) or trustix.name(v, "cache.nixos.org") end\n');
    const r = await cli(['policy', 'test', p, '--votes', votes, '--json']);
    assert.equal(r.exitCode, 1, r.stderr);
    const ds = new Map((JSON.parse(r.stdout) as { path: string; verdict: string; narHash: string | null }[]).map((d) => [d.path, d]));
    assert.equal(ds.get(P('agreed'))?.narHash, H('1'));
    assert.equal(ds.get(P('split'))?.narHash, H('1'), 'falls back to cache.nixos.org');
    assert.equal(ds.get(P('alone'))?.verdict, 'untrusted');
  });

  it('prints a table for people', async () => {
    const p = await policy('return function(p, v, l) return trustix.weighted(v, l, 0.5) end\n');
    const r = await cli(['policy', 'test', p, '--votes', votes]);
    assert.match(r.stdout, /^PATH\s+VERDICT/);
    assert.match(r.stdout, /1 trusted, 2 would be rebuilt locally/);
  });

  it('exits 2 on a policy that does not load, naming file and line', async () => {
    const p = await policy('return function(p, v, l)\n  retrun nil\nend\n');
    const r = await cli(['policy', 'test', p, '--votes', votes]);
    assert.equal(r.exitCode, 2);
    assert.ok(r.stderr.includes(`${p}:2`), r.stderr);
  });

  it('exits 2 on malformed votes, saying where', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ logs: [{ name: 'a' }], paths: [{ path: P('x'), answers: { a: { narHash: 'md5:nope', narSize: 1 } } }] }));
    const r = await cli(['policy', 'test', await policy('return function() return nil end\n'), '--votes', bad]);
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, /paths\[0\]/);
  });

  it('explains itself with --help and refuses missing arguments', async () => {
    const help = await cli(['policy', 'test', '--help']);
    assert.equal(help.exitCode, 0);
    assert.match(help.stdout, /Usage: trustix-vote policy test FILE --votes VOTES\.json/);
    const missing = await cli(['policy', 'test', 'x.lua']);
    assert.equal(missing.exitCode, 2);
    assert.match(missing.stderr, /--votes/);
  });
});
