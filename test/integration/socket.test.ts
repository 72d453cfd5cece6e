/**
 * serve under systemd socket activation, as the NixOS module will run it: the socket
 * is inherited as fd 3 (LISTEN_FDS), the first request is served, and --idle-exit
 * ends the process cleanly once requests stop. The bin runs as a process here: an
 * inherited fd and the process's own exit are the point.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, execaSync } from 'execa';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { bin } from './bin.ts';
import { keygen } from './serve-harness.ts';

const activator = (() => {
  try {
    return execaSync('which', ['systemd-socket-activate'], { reject: false }).stdout.trim();
  } catch {
    return '';
  }
})();
const skip = activator === '' ? 'systemd-socket-activate is not installed (Debian package systemd)' : false;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('serve with socket activation', { skip }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-socket-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  // The timeout is a hang guard (t.signal then kills the process): a broken --idle-exit never exits at all.
  it('serves on the inherited socket and exits after --idle-exit', { timeout: 60_000 }, async (t) => {
    const sec = join(dir, 'sock.sec');
    await keygen('sock-1', sec, join(dir, 'sock.pub'));
    const cfg = join(dir, 'sock.ini');
    // The log is never asked: /nix-cache-info is serve's own answer.
    // Its own state directory: serve records in the journal there, never in /var/lib.
    await writeFile(cfg, `[serve]\nsigning-key = ${sec}\n[state]\ndir = ${join(dir, 'state')}\n[log.a]\nkind = binary-cache\nurl = http://127.0.0.1:9\nkey = ${generateSecretKey('a-1').public}\n`);
    const port = await freePort();
    const { file, args } = bin();
    const proc = execa(activator, ['-l', `127.0.0.1:${port}`, file, ...args, 'serve', '--config', cfg, '--idle-exit', '2'], {
      reject: false, stdin: 'ignore', cancelSignal: t.signal,
    });
    // The activator holds the socket before it starts serve: once it says so, a
    // connection waits for serve instead of being refused.
    let err = '';
    await new Promise<void>((resolve, reject) => {
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes(`Listening on 127.0.0.1:${port}`)) resolve();
      });
      void proc.then((r) => reject(new Error(`systemd-socket-activate exited ${r.exitCode}: ${err}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/nix-cache-info`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /^StoreDir: \/nix\/store/);
    const answered = performance.now();
    const done = await proc;
    const idle = performance.now() - answered;
    assert.equal(done.exitCode, 0, String(done.stderr));
    assert.match(String(done.stderr), new RegExp(`listening on http://127\\.0\\.0\\.1:${port} \\(socket fd 3 from systemd\\)`));
    assert.match(String(done.stderr), /trustix-vote serve: stopped\n?$/);
    // Ordering, not a time limit: serve outlived its 2 idle seconds before exiting by itself.
    assert.ok(idle >= 1_900, `exited ${Math.round(idle)} ms after its last answer, before --idle-exit 2`);
  });
});
