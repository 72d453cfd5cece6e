/** `trustix-vote serve`: usage errors before anything is loaded or listened on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { runCommand } from './run.ts';

const serve = (argv: readonly string[], files: Record<string, string> = {}) =>
  runCommand('serve', argv, { env: { PATH: process.env['PATH'] ?? '' }, ...(Object.keys(files).length > 0 && { readFile: (p: string) => files[p] }) });

describe('serve', () => {
  it('says that it needs --config, and why', async () => {
    const r = await serve([]);
    assert.equal(r.exitCode, 2);
    assert.equal(r.stderr, 'trustix-vote serve: serve needs --config FILE: it signs what it serves with the key in [serve] signing-key (make one with trustix-vote keygen) (see --help)\n');
  });

  for (const bad of ['0', '-3', '1.5', 'lots']) {
    it(`refuses --max-connections ${bad}`, async () => {
      const r = await serve(['--config', '/nonexistent.ini', `--max-connections=${bad}`]);
      assert.equal(r.exitCode, 2);
      assert.match(r.stderr, /--max-connections wants a whole number > 0/);
    });
  }

  it('a signing key that is no key: file, line, section and key', async () => {
    const config = `[log.a]\nkind = binary-cache\nurl = http://127.0.0.1:9\nkey = ${generateSecretKey('a-1').public}\n[serve]\nlisten = 127.0.0.1:0\nsigning-key = /k.sec\n`;
    const bad = await serve(['--config', '/c.ini'], { '/c.ini': config, '/k.sec': 'me-1:c2hvcnQ=' });
    assert.equal(bad.exitCode, 2);
    assert.match(bad.stderr, /^trustix-vote serve: \/c\.ini:7 \[serve\] signing-key: \/k\.sec: .*64 bytes/);
    const unreadable = await serve(['--config', '/c.ini'], { '/c.ini': config });
    assert.match(unreadable.stderr, /^trustix-vote serve: \/c\.ini:7 \[serve\] signing-key: cannot read \/k\.sec$/m);
  });
});
