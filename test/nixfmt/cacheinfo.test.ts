// nix-cache-info: the recorded file:// cache file (StoreDir only) and the
// Trustix binary-cache-proxy body (StoreDir, WantMassQuery, Priority).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatCacheInfo, parseCacheInfo } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';


test('recorded file:// nix-cache-info has only StoreDir', () => {
  const text = readFileSync(new URL('../data/nix-2.8/cache/nix-cache-info', import.meta.url), 'utf8');
  assert.equal(text, 'StoreDir: /nix/store\n');
  assert.deepEqual(parseCacheInfo(text), { storeDir: '/nix/store', wantMassQuery: false });
});

test('format/parse round trip of the documented example', () => {
  const text = 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n';
  const info = parseCacheInfo(text);
  assert.deepEqual(info, { storeDir: '/nix/store', wantMassQuery: true, priority: 40 });
  assert.equal(formatCacheInfo(info), text);
  assert.equal(formatCacheInfo({ storeDir: '/gnu/store', wantMassQuery: false }), 'StoreDir: /gnu/store\nWantMassQuery: 0\n');
});

test('lenient like Nix: trimmed values, CRLF, lines without colon and unknown keys skipped, defaults', () => {
  assert.deepEqual(parseCacheInfo('junk\r\nStoreDir:/nix/store \r\nWantMassQuery: 0\r\nFoo: 1\r\n'),
    { storeDir: '/nix/store', wantMassQuery: false });
  assert.deepEqual(parseCacheInfo(''), { storeDir: '/nix/store', wantMassQuery: false });
  assert.equal(parseCacheInfo('Priority: -5\n').priority, -5);
  assert.equal(parseCacheInfo('WantMassQuery: true\n').wantMassQuery, false, 'Nix only treats "1" as true');
});

const bad: Array<{ desc: string; text: string; wantErr: string; field?: string }> = [
  { desc: 'relative StoreDir', text: 'StoreDir: nix/store\n', wantErr: 'cache-info-bad-field', field: 'StoreDir' },
  { desc: 'StoreDir with trailing slash', text: 'StoreDir: /nix/store/\n', wantErr: 'cache-info-bad-field', field: 'StoreDir' },
  { desc: 'empty StoreDir', text: 'StoreDir:\n', wantErr: 'cache-info-bad-field', field: 'StoreDir' },
  { desc: 'Priority not a number', text: 'Priority: high\n', wantErr: 'cache-info-bad-field', field: 'Priority' },
  { desc: 'Priority fraction', text: 'Priority: 1.5\n', wantErr: 'cache-info-bad-field', field: 'Priority' },
  { desc: 'duplicate StoreDir', text: 'StoreDir: /nix/store\nStoreDir: /gnu/store\n', wantErr: 'cache-info-duplicate-field', field: 'StoreDir' },
  { desc: 'over-long', text: `X: ${'a'.repeat(70_000)}\n`, wantErr: 'cache-info-too-long' },
];
for (const c of bad) {
  test(`parseCacheInfo rejects: ${c.desc}`, () => throwsCode(() => parseCacheInfo(c.text), c.wantErr, c.field));
}

test('formatCacheInfo refuses a bad StoreDir or Priority', () => {
  throwsCode(() => formatCacheInfo({ storeDir: '/nix/store\nPriority: 1', wantMassQuery: true }), 'cache-info-bad-field', 'StoreDir');
  throwsCode(() => formatCacheInfo({ storeDir: '/nix/store', wantMassQuery: true, priority: 1.5 }), 'cache-info-bad-field', 'Priority');
});
