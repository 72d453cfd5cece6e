/**
 * The bin's `serve` stops promptly on SIGTERM while its policy is deep in a long run:
 * the policy's worker is terminated, not waited for. A real serve process, a real
 * binary cache (the recorded Nix 2.8 narinfos over HTTP) and real fengari.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { bin } from './bin.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url).pathname;
const TOP = '2mk5hy75x2b25h13pfppmk1padmmaw32';
const DEP = '9xhcvi1qzwc592r7kch2dr40da1cx078';

// nixfmt-top sends the policy into a loop of uncharged == between 150 KB strings.
const POLICY = `return function(path, votes, logs)
  if path:find("nixfmt-top", 1, true) then
    a = ("x"):rep(1000):rep(150)
    b = a:sub(1, -2) .. "x"
    while a == b do end
  end
  return trustix.majority(votes, logs)
end
`;

describe('serve and SIGTERM', () => {
  let dir: string;
  let cache: StaticCache;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-stop-'));
    cache = await serveDirectory(join(DATA, 'cache'));
  });
  after(async () => {
    await cache.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('exits within a second of SIGTERM while the policy is stuck', async () => {
    const key = generateSecretKey('stop-test-1');
    await writeFile(join(dir, 'key.sec'), key.secret);
    await writeFile(join(dir, 'policy.lua'), POLICY);
    const pub = (await readFile(join(DATA, 'a.pub'), 'utf8')).trim();
    await writeFile(join(dir, 'config.ini'), `[policy]\nfile = ${join(dir, 'policy.lua')}\n[serve]\nsigning-key = ${join(dir, 'key.sec')}\n[state]\ndir = ${dir}\n[query]\ntimeout = 30\n[log.a]\nkind = binary-cache\nurl = ${cache.url}\nkey = ${pub}\n`);
    const { file, args } = bin();
    const proc = execa(file, [...args, 'serve', '--config', join(dir, 'config.ini'), '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore' });
    try {
      let err = '';
      const url = await new Promise<string>((resolve, reject) => {
        proc.stderr?.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
          if (m?.[1] !== undefined) resolve(m[1]);
        });
        void proc.then(() => reject(new Error(`serve exited: ${err}`)));
      });
      // The worker is warm once a first path is decided.
      const warm = await fetch(`${url}/${DEP}.narinfo`);
      assert.equal(warm.status, 200, await warm.text());
      const stuck = fetch(`${url}/${TOP}.narinfo`).then((r) => r.status, () => 'gone');
      await new Promise((r) => setTimeout(r, 150));
      const t0 = performance.now();
      proc.kill('SIGTERM');
      const r = await proc;
      const ms = performance.now() - t0;
      assert.equal(r.exitCode, 0, err);
      // Without the fix serve never stops (the policy loops for ever): 5 s leaves room for a loaded machine.
      assert.ok(ms < 5000, `serve took ${Math.round(ms)} ms to stop`);
      assert.notEqual(await stuck, 200, 'the stuck path was not served');
      assert.match(err, /trustix-vote serve: stopped/);
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
