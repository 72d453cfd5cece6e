/** The state directory: values survive, replace atomically, and a failed read is a miss. */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createFileState } from '../../src/host/state.ts';

const root = mkdtempSync(join(tmpdir(), 'trustix-vote-state-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('keeps values by key in a directory it makes (0700), leaving no temporary files', async () => {
  const dir = join(root, 'a', 'state');
  const state = createFileState(dir);
  assert.equal(await state.read('head.cache-a'), undefined, 'absent is a miss');
  await state.write('head.cache-a', new Uint8Array([1, 2, 3]));
  await state.write('head.cache-a', new Uint8Array([4, 5]));
  assert.deepEqual([...(await state.read('head.cache-a'))!], [4, 5]);
  assert.deepEqual(readdirSync(dir), ['head.cache-a']);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'head.cache-a')).mode & 0o777, 0o600);
  // Another process reading the same directory sees the value.
  assert.deepEqual([...(await createFileState(dir).read('head.cache-a'))!], [4, 5]);
});

test('refuses keys that would leave the directory; an unreadable value is a miss', async () => {
  const state = createFileState(join(root, 'b'));
  for (const key of ['../x', 'a/b', '', '.hidden']) await assert.rejects(state.write(key, new Uint8Array()), /bad state key/);
  writeFileSync(join(root, 'file'), 'not a directory');
  assert.equal(await createFileState(join(root, 'file')).read('k'), undefined);
});
