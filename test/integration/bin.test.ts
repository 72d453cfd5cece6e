/**
 * The bin itself, as a process: what only a process can show. Its shebang and exec bit,
 * the exit status it sets, and a clean stop on SIGTERM. Everything else about the
 * commands runs in process through main() (test/cli/run.ts).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { bin } from './bin.ts';
import { keygen } from './serve-harness.ts';

describe('the trustix-vote bin', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-bin-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs as an executable and sets the exit status main() returns', async () => {
    const { file, args } = bin();
    const none = await execa(file, [...args], { reject: false, stdin: 'ignore' });
    assert.equal(none.exitCode, 2, String(none.stderr));
    assert.match(String(none.stdout), /Commands\n {2}check TARGET/);
    const unknown = await execa(file, [...args, 'frobnicate'], { reject: false, stdin: 'ignore' });
    assert.equal(unknown.exitCode, 2);
    assert.match(String(unknown.stderr), /unknown command "frobnicate"/);
  });

  // The timeout is a hang guard (t.signal then kills the process): a serve that ignores SIGTERM never exits.
  it('serve stops cleanly on SIGTERM, exit status 0', { timeout: 60_000 }, async (t) => {
    const sec = join(dir, 'serve.sec');
    await keygen('bin-test-1', sec, join(dir, 'serve.pub'));
    const cfg = join(dir, 'serve.ini');
    // The log is never asked: this is about the process, not the vote.
    // Its own state directory: serve records in the journal there, never in /var/lib.
    await writeFile(cfg, `[serve]\nsigning-key = ${sec}\n[state]\ndir = ${join(dir, 'state')}\n[log.a]\nkind = binary-cache\nurl = http://127.0.0.1:9\nkey = ${generateSecretKey('a-1').public}\n`);
    const { file, args } = bin();
    const proc = execa(file, [...args, 'serve', '--config', cfg, '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore', cancelSignal: t.signal });
    let err = '';
    const url = await new Promise<string>((resolve, reject) => {
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
        if (m?.[1]) resolve(m[1]);
      });
      void proc.then((r) => reject(new Error(`serve exited ${r.exitCode} before listening: ${err}`)));
    });
    assert.equal((await fetch(`${url}/health`)).status, 200);
    proc.kill('SIGTERM');
    const done = await proc;
    assert.equal(done.exitCode, 0, err);
    assert.match(String(done.stderr), /trustix-vote serve: stopped\n?$/);
  });
});
