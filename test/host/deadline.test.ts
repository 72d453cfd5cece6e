/**
 * Ops.deadline holds its timer strongly. On Node 20 AbortSignal.any([s, AbortSignal.timeout(d)])
 * holds the timeout weakly: a collection can drop it and the run never ends (seen: a check with
 * deadline = 30 ran past 580 s). Forced collections while waiting must not lose ours.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deadline } from '../../src/host/ops.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a deadline fires through forced garbage collections, and with its parent', async () => {
  const parent = new AbortController();
  const signal = deadline(200, parent.signal).signal;
  const order: string[] = [];
  signal.addEventListener('abort', () => order.push('deadline'));
  for (let i = 0; i < 10 && !signal.aborted; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(signal.aborted, true);
  assert.deepEqual(order, ['deadline']);

  const p = new AbortController();
  const d = deadline(60_000, p.signal);
  p.abort(new Error('SIGTERM received'));
  assert.equal(d.signal.aborted, true);
  assert.match(String(d.signal.reason), /SIGTERM/);
  d.clear();
});

test('a cleared deadline never fires', async () => {
  const d = deadline(50, undefined);
  d.clear();
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(d.signal.aborted, false);
});
