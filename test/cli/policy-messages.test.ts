/** `trustix-vote policy`: usage and load errors that say what is wrong, where. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCommand } from './run.ts';

const policy = (argv: readonly string[]) => runCommand('policy', argv);
const P = `/nix/store/${'b'.repeat(32)}-x`;

describe('policy messages', () => {
  let dir: string;
  let votes: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tv-policy-msg-'));
    votes = join(dir, 'votes.json');
    await writeFile(votes, JSON.stringify({ logs: [{ name: 'a' }], paths: [{ path: P, answers: {} }] }));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const lua = async (name: string, source: string) => {
    const file = join(dir, name);
    await writeFile(file, source);
    return file;
  };

  it('without a subcommand: says which there is, exit 2', async () => {
    for (const argv of [[], ['--json']]) {
      const r = await policy(argv);
      assert.equal(r.exitCode, 2);
      assert.equal(r.stderr, 'trustix-vote policy: policy needs a subcommand: trustix-vote policy test FILE --votes VOTES.json (see --help)\n');
    }
    const r = await policy(['tset']);
    assert.equal(r.exitCode, 2);
    assert.match(r.stderr, /unknown policy subcommand "tset" \(the one there is: trustix-vote policy test FILE/);
  });

  it('names the votes file in every complaint about it', async () => {
    const ok = await lua('ok.lua', 'return function(p, v, l) return trustix.majority(v, l) end\n');
    const empty = join(dir, 'empty-logs.json');
    await writeFile(empty, JSON.stringify({ logs: [], paths: [] }));
    const notJson = join(dir, 'not.json');
    await writeFile(notJson, '{');
    for (const [file, why] of [[empty, '$.logs: needs at least one log'], [notJson, '$: not JSON']] as const) {
      const r = await policy(['test', ok, '--votes', file]);
      assert.equal(r.exitCode, 2);
      assert.ok(r.stderr.startsWith(`trustix-vote policy: ${file}: ${why}`), r.stderr);
    }
  });

  it('refuses a policy that returns a built-in instead of calling it, with file, line and the fix', async () => {
    const p = await lua('bare.lua', '-- strict majority\nreturn trustix.majority\n');
    const r = await policy(['test', p, '--votes', votes]);
    assert.equal(r.exitCode, 2, r.stdout);
    assert.equal(r.stderr, `trustix-vote policy: ${p}:2: the chunk returns trustix.majority itself, not a policy; `
      + 'return a function that calls it: return function(path, votes, logs) return trustix.majority(votes, logs) end\n');
    const other = await lua('tostring.lua', 'return tostring\n');
    const r2 = await policy(['test', other, '--votes', votes]);
    assert.equal(r2.exitCode, 2);
    assert.match(r2.stderr, /tostring\.lua: the chunk returns a built-in function itself, not a policy/);
  });
});
