// Store path validation follows Nix 2.8's StorePath/checkName (libstore/path.cc);
// the good paths are the ones real Nix produced for test/data/nix-2.8.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_STORE_DIR, baseNameOf, hashPartOf, isDerivation, nameOf, parseHashPart,
  parseStorePath, storePathFromBaseName,
} from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';


const TOP = '/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top';
const DRV = '/nix/store/p0f33s2qy2k3jwnyhxbwvz1a0sfdpkj8-nixfmt-top.drv';
const H = '2mk5hy75x2b25h13pfppmk1padmmaw32';

test('accessors split a recorded path', () => {
  const p = parseStorePath(TOP);
  assert.equal(DEFAULT_STORE_DIR, '/nix/store');
  assert.equal(hashPartOf(p), H);
  assert.equal(nameOf(p), 'nixfmt-top');
  assert.equal(baseNameOf(p), `${H}-nixfmt-top`);
  assert.equal(isDerivation(p), false);
  assert.equal(isDerivation(parseStorePath(DRV)), true);
  assert.equal(storePathFromBaseName(baseNameOf(p)), p);
  assert.equal(parseHashPart(H), H);
});

test('a custom store dir', () => {
  const p = parseStorePath(`/gnu/store/${H}-x`, '/gnu/store');
  assert.equal(storePathFromBaseName(`${H}-x`, '/gnu/store'), p);
  assert.equal(nameOf(p), 'x');
  throwsCode(() => parseStorePath(TOP, '/gnu/store'), 'store-path-not-in-store');
  throwsCode(() => parseStorePath(TOP, '/nix/store/'), 'store-dir-invalid');
  throwsCode(() => parseStorePath(TOP, 'nix/store'), 'store-dir-invalid');
});

test('every allowed name character and the 211-character limit', () => {
  parseStorePath(`/nix/store/${H}-aZ09+-._?=`);
  parseStorePath(`/nix/store/${H}-${'a'.repeat(211)}`);
  parseStorePath(`/nix/store/${H}-a.`);
});

const bad: Array<{ desc: string; input: string; wantErr: string }> = [
  { desc: 'not under /nix/store', input: `/nix/var/${H}-x`, wantErr: 'store-path-not-in-store' },
  { desc: 'relative', input: `${H}-x`, wantErr: 'store-path-not-in-store' },
  { desc: 'store dir prefix without slash', input: `/nix/store${H}-x`, wantErr: 'store-path-not-in-store' },
  { desc: 'subpath inside a store path', input: `${TOP}/bin/sh`, wantErr: 'store-path-bad-name' },
  { desc: 'hash has e', input: `/nix/store/e${H.slice(1)}-x`, wantErr: 'store-path-bad-hash' },
  { desc: 'hash has o', input: `/nix/store/o${H.slice(1)}-x`, wantErr: 'store-path-bad-hash' },
  { desc: 'hash has t', input: `/nix/store/t${H.slice(1)}-x`, wantErr: 'store-path-bad-hash' },
  { desc: 'hash has u', input: `/nix/store/u${H.slice(1)}-x`, wantErr: 'store-path-bad-hash' },
  { desc: 'hash upper case', input: `/nix/store/${H.toUpperCase()}-x`, wantErr: 'store-path-bad-hash' },
  { desc: 'hash 31 chars', input: `/nix/store/${H.slice(1)}-nixfmt-top`, wantErr: 'store-path-bad-basename' },
  { desc: 'hash 33 chars', input: `/nix/store/0${H}-x`, wantErr: 'store-path-bad-basename' },
  { desc: 'no dash after hash', input: `/nix/store/${H}_x`, wantErr: 'store-path-bad-basename' },
  { desc: 'empty name', input: `/nix/store/${H}-`, wantErr: 'store-path-bad-basename' },
  { desc: 'bare hash', input: `/nix/store/${H}`, wantErr: 'store-path-bad-basename' },
  { desc: 'name starts with dot', input: `/nix/store/${H}-.x`, wantErr: 'store-path-bad-name' },
  { desc: 'name 212 chars', input: `/nix/store/${H}-${'a'.repeat(212)}`, wantErr: 'store-path-bad-name' },
  { desc: 'space in name', input: `/nix/store/${H}-a b`, wantErr: 'store-path-bad-name' },
  { desc: 'slash in name', input: `/nix/store/${H}-a/b`, wantErr: 'store-path-bad-name' },
  { desc: 'newline in name', input: `/nix/store/${H}-a\n`, wantErr: 'store-path-bad-name' },
  { desc: 'non-ASCII name', input: `/nix/store/${H}-caf\u00e9`, wantErr: 'store-path-bad-name' },
];
for (const c of bad) {
  test(`parseStorePath rejects: ${c.desc}`, () => throwsCode(() => parseStorePath(c.input), c.wantErr));
}

test('storePathFromBaseName and parseHashPart reject the same shapes', () => {
  throwsCode(() => storePathFromBaseName(TOP), 'store-path-bad-basename');
  throwsCode(() => storePathFromBaseName(`${H}-.x`), 'store-path-bad-name');
  throwsCode(() => parseHashPart(`${H}x`), 'store-path-bad-hash');
  throwsCode(() => parseHashPart(`e${H.slice(1)}`), 'store-path-bad-hash');
});
