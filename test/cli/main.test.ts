/** The command line: help, usage errors and their exit statuses (main() in process; the bin itself is in test/integration/bin.test.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cli } from './run.ts';

describe('trustix-vote', () => {
  it('lists its commands, exits 2 without one and 0 with --help', async () => {
    const none = await cli([]);
    assert.equal(none.exitCode, 2);
    assert.match(none.stdout, /Commands\n {2}check TARGET/);
    assert.equal((await cli(['--help'])).exitCode, 0);
  });

  for (const cmd of ['check', 'serve', 'keygen', 'policy', 'config', 'demo']) {
    it(`has man-page help for ${cmd}, with its exit statuses`, async () => {
      const r = await cli(['help', cmd]);
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout, new RegExp(`^Usage: trustix-vote ${cmd}`));
      assert.match(r.stdout, /Exit status/i);
    });
  }

  for (const [args, why] of [
    [['frobnicate'], /unknown command "frobnicate"/],
    [['check'], /check needs at least one TARGET/],
    [['check', '--no-such-flag', '/nix/store/x'], /unknown option '--no-such-flag' \(see --help\)$/m],
    [['check', '--config', '/nonexistent.ini', '/nix/store/x'], /\/nonexistent\.ini: cannot read the file/],
    [['keygen', 'name-1'], /--secret FILE and --public FILE/],
    [['keygen', 'bad name', '--secret', '/tmp/tv-never.sec', '--public', '/tmp/tv-never.pub'], /bad key name "bad name": it may hold any characters but ":"/],
    [['serve', '--config', '/nonexistent.ini'], /cannot read the file/],
  ] as const) {
    it(`exits 2 for: ${args.join(' ')}`, async () => {
      const r = await cli(args);
      assert.equal(r.exitCode, 2, r.stderr);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length <= 2, true, `one line a person can act on:\n${r.stderr}`);
    });
  }
});
