/**
 * serve under systemd socket activation, as the NixOS module will run it: the socket
 * is inherited as fd 3 (LISTEN_FDS), the first request is served, and --idle-exit
 * ends the process cleanly once requests stop.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, execaSync } from 'execa';
import { hasNix, makeFixture, MAIN, type Fixture } from './fixture.ts';

const activator = (() => {
  try {
    return execaSync('which', ['systemd-socket-activate'], { reject: false }).stdout.trim();
  } catch {
    return '';
  }
})();
const skip = !hasNix() ? 'nix is not installed: run `npm run setup`'
  : activator === '' ? 'systemd-socket-activate is not installed (Debian package systemd)' : false;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('serve with socket activation', { skip }, () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
  });
  after(() => f?.close());

  it('serves on the inherited socket and exits after --idle-exit', async () => {
    const sec = join(f.dir, 'sock.sec');
    const pub = join(f.dir, 'sock.pub');
    await execa('node', ['--import', 'tsx', MAIN, 'keygen', 'sock-1', '--secret', sec, '--public', pub]);
    const cfg = await f.config([{ name: 'a' }, { name: 'b' }], `[serve]\nsigning-key = ${sec}\n`);
    const port = await freePort();
    const proc = execa(activator, ['-l', `127.0.0.1:${port}`, 'node', '--import', 'tsx', MAIN, 'serve', '--config', cfg, '--idle-exit', '2'], {
      reject: false, stdin: 'ignore',
    });
    let res: Response | undefined;
    for (let i = 0; i < 50 && res === undefined; i++) {
      res = await fetch(`http://127.0.0.1:${port}/nix-cache-info`).catch(() => undefined);
      if (res === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res?.status, 200);
    assert.match((await res?.text()) ?? '', /^StoreDir: \/nix\/store/);
    const t0 = performance.now();
    const done = await proc;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.match(String(done.stderr), new RegExp(`listening on http://127\\.0\\.0\\.1:${port} \\(socket fd 3 from systemd\\)`));
    assert.ok(performance.now() - t0 < 15_000, 'exits soon after 2 idle seconds');
  });
});
