/** check's progress line: on a terminal only, for Nix's steps as well as the vote. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { progressPrinter } from '../../src/cli/progress.ts';

function printer(tty: boolean) {
  const err: string[] = [];
  let t = 0;
  const p = progressPrinter({ stderr: (s) => void err.push(s), stderrIsTTY: tty }, () => t);
  return { p, err, advance: (ms: number) => (t += ms) };
}

describe('progress', () => {
  it('shows a Nix step, then the vote, then clears the line, on a terminal', () => {
    const { p, err, advance } = printer(true);
    p.step('listing the closure of 1 path (nix-store -qR)');
    advance(200);
    p.onEvent({ kind: 'progress', done: 0, total: 3, phase: 'voting' });
    p.onEvent({ kind: 'progress', done: 3, total: 3, phase: 'voting' });
    p.done();
    assert.deepEqual(err, [
      '\r\x1b[Klisting the closure of 1 path (nix-store -qR)…',
      '\r\x1b[Kvoting: 0/3 paths',
      '\r\x1b[Kvoting: 3/3 paths',
      '\r\x1b[K',
    ]);
  });

  it('prints nothing but warnings when stderr is not a terminal', () => {
    const { p, err } = printer(false);
    p.step('evaluating ./x.nix (nix-instantiate)');
    p.onEvent({ kind: 'progress', done: 0, total: 3, phase: 'voting' });
    p.onEvent({ kind: 'warn', message: 'closure has more than 10 paths' });
    p.done();
    assert.deepEqual(err, ['trustix-vote: closure has more than 10 paths\n']);
  });
});
