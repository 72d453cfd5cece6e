/**
 * `trustix-vote demo` with real Nix, run in this process: it leaves nothing behind
 * (work directory, secret keys, store paths), also when interrupted; with --keep it
 * prints a check command that works while its caches run, until Ctrl-C.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { runDemo } from '../../src/cli/demo.ts';
import { fakeIO, runCommand } from '../cli/run.ts';
import { hasNix } from './fixture.ts';

/**
 * Waits for the demo to get somewhere. No number of seconds decides (real Nix builds on a
 * loaded machine take what they take); the test's timeout, a hang guard, ends the wait.
 */
const until = async (cond: () => boolean, what: () => string, signal: AbortSignal) => {
  while (!cond()) {
    if (signal.aborted) throw new Error(`still waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const HANG_GUARD = { timeout: 300_000 };

const valid = async (paths: readonly string[]) =>
  (await execa('nix-store', ['--check-validity', '--print-invalid', ...paths], { reject: false })).stdout.split('\n').filter(Boolean).length < paths.length;

describe('demo', { skip: !hasNix() && 'needs nix' }, () => {
  let tmp: string;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tv-demo-test-'));
  });
  after(() => rm(tmp, { recursive: true, force: true }));
  const fresh = () => mkdtemp(join(tmp, 'tmpdir-'));

  it('runs, removes its directory and prints no command that cannot be run again', async () => {
    const TMPDIR = await fresh();
    const r = await runCommand('demo', [], { env: { TMPDIR } });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /3 trusted, 1 would be rebuilt locally/);
    assert.deepEqual(await readdir(TMPDIR), [], 'no trustix-vote-demo-* (with its secret keys) left');
    assert.doesNotMatch(r.stderr, /check --config/);
    const app = /closure of (\S+)/.exec(r.stderr)?.[1];
    assert.ok(app !== undefined, r.stderr);
    assert.equal(await valid([app]), false, 'the demo paths are gone from the store');
  });

  it('with --keep, serves until Ctrl-C a check command that works, then removes everything', HANG_GUARD, async (t) => {
    const TMPDIR = await fresh();
    const ctrlC = new AbortController();
    const io = fakeIO({ env: { TMPDIR }, signal: ctrlC.signal });
    const demo = runDemo(['--keep'], io);
    const stderr = () => io.err.join('');
    await until(() => /trustix-vote check --config/.test(stderr()), () => `the command is printed:\n${stderr()}`, t.signal);
    const command = /trustix-vote check (--config \S+ \S+)/.exec(stderr())?.[1]?.split(' ') ?? [];
    const again = await runCommand('check', [...command, '--json']);
    assert.equal(again.exitCode, 1, again.stderr);
    const verdicts = (JSON.parse(again.stdout) as { path: string; verdict: string }[]).map((d) => `${d.path.slice(44)} ${d.verdict}`).sort();
    assert.deepEqual(verdicts, ['app trusted', 'contested trusted', 'libfoo trusted', 'rare untrusted']);
    assert.equal((await readdir(TMPDIR)).length, 1, 'kept while waiting');
    ctrlC.abort(new Error('SIGINT received'));
    assert.equal(await demo, 0, stderr());
    assert.deepEqual(await readdir(TMPDIR), []);
    const stopped = await runCommand('check', command);
    assert.equal(stopped.exitCode, 2, 'its config is gone with the demo');
  });

  it('cleans up when interrupted while building', HANG_GUARD, async (t) => {
    const TMPDIR = await fresh();
    const ctrlC = new AbortController();
    const io = fakeIO({ env: { TMPDIR }, signal: ctrlC.signal });
    const demo = runDemo([], io);
    await until(() => io.err.join('').includes('building with real Nix'), () => 'the build started', t.signal);
    ctrlC.abort(new Error('SIGINT received'));
    assert.equal(await demo, 130, io.err.join(''));
    assert.match(io.err.join(''), /demo: interrupted; removing the demo\n$/);
    assert.deepEqual(await readdir(TMPDIR), []);
  });
});
