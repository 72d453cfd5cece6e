/**
 * check without --config takes its logs from the local Nix's effective settings, not
 * from reading nix.conf alone: here the config file names the substituter by an alias
 * only Nix knows (`binary-caches`). The cache is test/data/nix-2.8/cache, served on
 * 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import { runCommand } from '../cli/run.ts';
import { hasNix } from './fixture.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url).pathname;
const TOP = '/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top';

describe('check without --config', { skip: !hasNix() && 'needs nix' }, () => {
  let dir: string;
  let cache: StaticCache;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-nixconf-'));
    cache = await serveDirectory(join(DATA, 'cache'));
  });
  after(async () => {
    await cache.close();
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, NIX_CONF_DIR: dir, NIX_USER_CONF_FILES: join(dir, 'none') });

  it("votes with the substituters Nix itself uses", async () => {
    const key = (await readFile(join(DATA, 'a.pub'), 'utf8')).trim();
    await writeFile(join(dir, 'nix.conf'), `binary-caches = ${cache.url}\ntrusted-public-keys = ${key}\n`);
    const r = await runCommand('check', ['--json', TOP], { env: env() });
    assert.equal(r.exitCode, 0, r.stderr);
    const ds = JSON.parse(r.stdout) as { path: string; verdict: string; agree: string[] }[];
    assert.deepEqual(ds.map((d) => [d.path.slice(44), d.verdict, d.agree]).sort(), [['nixfmt-dep', 'trusted', ['127.0.0.1']], ['nixfmt-top', 'trusted', ['127.0.0.1']]].sort());
  });

  it('refuses one key under two names, naming both substituters', async () => {
    const bytes = (await readFile(join(DATA, 'a.pub'), 'utf8')).trim().split(':')[1];
    const other = (await readFile(join(DATA, 'b.pub'), 'utf8')).trim().split(':')[1];
    const port = cache.port;
    await writeFile(join(dir, 'nix.conf'), [
      `substituters = http://127.0.0.1:${port} http://localhost:${port} http://127.0.0.2:${port}`,
      `trusted-public-keys = 127.0.0.1-1:${bytes} localhost-1:${bytes} 127.0.0.2-1:${other}`, '',
    ].join('\n'));
    const r = await runCommand('check', [TOP], { env: env() });
    assert.equal(r.exitCode, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`substituters http://127\\.0\\.0\\.1:${port} and http://localhost:${port} sign with one key`));
  });
});
