/** hooks/post-build-hook, the shell script Nix runs after every build: it queues, and it always exits 0. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { execa } from 'execa';
import { parseSpoolFile } from '../../src/host/spool.ts';

const HOOK = new URL('../../hooks/post-build-hook', import.meta.url).pathname;
const OUT = '/nix/store/7zghlxfsl2n1ww9i3z6jy8vjvbm2hrq5-libfoo';
const OUT2 = '/nix/store/7zghlxfsl2n1ww9i3z6jy8vjvbm2hrq5-libfoo-dev';
const DRV = '/nix/store/0hdsbhj0bc4znfgvwvhc7b55f2yphbvc-libfoo.drv';

const dir = mkdtempSync(join(tmpdir(), 'tv-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function hook(env: Record<string, string>) {
  const r = await execa(HOOK, [], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
  return { exitCode: r.exitCode, stderr: String(r.stderr) };
}
const spooled = (d: string) => readdirSync(join(d, 'spool')).filter((n) => n.endsWith('.build'));

describe('post-build-hook', () => {
  it('queues OUT_PATHS and DRV_PATH in <[state] dir>/spool, dir relative to the config file, comments and quotes stripped', async () => {
    const d = join(dir, 'relative');
    mkdirSync(d);
    writeFileSync(join(d, 'config.ini'), '[log.a]\ndir = /nope\n[state]\n  dir = "./state"   ; where things live\nkeep-days = 3\n');
    const r = await hook({ TRUSTIX_VOTE_CONFIG: join(d, 'config.ini'), OUT_PATHS: `${OUT} ${OUT2}`, DRV_PATH: DRV });
    assert.deepEqual(r, { exitCode: 0, stderr: '' });
    const [name] = spooled(join(d, 'state'));
    assert.match(name!, /^0hdsbhj0bc4znfgvwvhc7b55f2yphbvc-\d+-0\.build$/);
    assert.deepEqual(parseSpoolFile(readFileSync(join(d, 'state', 'spool', name!), 'utf8')), { drv: DRV, outs: [OUT, OUT2] });
  });

  it('gives concurrent builds a file each', async () => {
    const d = join(dir, 'many');
    writeFileSync(join(dir, 'many.ini'), `[state]\ndir = ${d}\n`);
    await Promise.all(Array.from({ length: 20 }, () => hook({ TRUSTIX_VOTE_CONFIG: join(dir, 'many.ini'), OUT_PATHS: OUT, DRV_PATH: DRV })));
    assert.equal(spooled(d).length, 20);
  });

  for (const [desc, setup, why] of [
    ['the configuration is missing', () => ({ TRUSTIX_VOTE_CONFIG: join(dir, 'absent.ini') }), /cannot read .*absent\.ini/],
    ['the state directory cannot be made', () => {
      writeFileSync(join(dir, 'a-file'), '');
      writeFileSync(join(dir, 'blocked.ini'), `[state]\ndir = ${join(dir, 'a-file', 'state')}\n`);
      return { TRUSTIX_VOTE_CONFIG: join(dir, 'blocked.ini') };
    }, /cannot create/],
    ['the spool is not a directory', () => {
      mkdirSync(join(dir, 'st2'));
      writeFileSync(join(dir, 'st2', 'spool'), 'not a dir');
      writeFileSync(join(dir, 'st2.ini'), `[state]\ndir = ${join(dir, 'st2')}\n`);
      return { TRUSTIX_VOTE_CONFIG: join(dir, 'st2.ini') };
    }, /cannot create/],
    ['the configuration is a directory', () => ({ TRUSTIX_VOTE_CONFIG: dir }), /cannot read/],
  ] as const) {
    it(`exits 0 and says why when ${desc}`, async () => {
      const r = await hook({ ...setup(), OUT_PATHS: OUT, DRV_PATH: DRV });
      assert.equal(r.exitCode, 0);
      assert.match(r.stderr, why);
      assert.match(r.stderr, /not recorded/);
    });
  }

  it('exits 0 when not run by Nix (neither OUT_PATHS nor DRV_PATH)', async () => {
    const r = await hook({ TRUSTIX_VOTE_CONFIG: join(dir, 'many.ini') });
    assert.equal(r.exitCode, 0);
    assert.match(r.stderr, /neither OUT_PATHS nor DRV_PATH is set/);
  });

  it('queues the derivation alone when OUT_PATHS is empty, as Nix 2.8.0 leaves it', async () => {
    const d = join(dir, 'drv-only');
    writeFileSync(join(dir, 'drv-only.ini'), `[state]\ndir = ${d}\n`);
    const r = await hook({ TRUSTIX_VOTE_CONFIG: join(dir, 'drv-only.ini'), OUT_PATHS: '', DRV_PATH: DRV });
    assert.deepEqual(r, { exitCode: 0, stderr: '' });
    assert.equal(readFileSync(join(d, 'spool', spooled(d)[0]!), 'utf8'), `trustix-vote-spool 1\ndrv ${DRV}\nend\n`);
  });

  it('does not glob OUT_PATHS', async () => {
    const d = join(dir, 'glob');
    writeFileSync(join(dir, 'glob.ini'), `[state]\ndir = ${d}\n`);
    await hook({ TRUSTIX_VOTE_CONFIG: join(dir, 'glob.ini'), OUT_PATHS: '/*', DRV_PATH: DRV });
    const [name] = spooled(d);
    assert.match(readFileSync(join(d, 'spool', name!), 'utf8'), /^out \/\*$/m);
  });
});
