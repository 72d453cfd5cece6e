/** `trustix-vote serve`: usage errors before anything is loaded or listened on. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCommand } from './run.ts';

const serve = (argv: readonly string[]) => runCommand('serve', argv, { env: { PATH: process.env['PATH'] ?? '' } });

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
});
