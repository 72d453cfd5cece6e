// `nix path-info --json` in both shapes. path-info.json and
// path-info-with-missing.json were recorded from Nix 2.8; the object-shaped
// file is hand-converted from them (see test/data/nix-2.8/README.md), so both
// shapes must yield the very same PathInfo values.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { encodeNix32, parseNarInfo, parsePathInfoJson } from '../../src/nixfmt/index.ts';
import type { PathInfo } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const TOP = '/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top';
const DEP = '/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep';


const byPath = (xs: PathInfo[]): PathInfo[] => [...xs].sort((a, b) => (a.path < b.path ? -1 : 1));

test('recorded Nix 2.8 list: SRI hashes come out canonical and equal the narinfo facts', () => {
  const infos = parsePathInfoJson(read('path-info.json'));
  assert.deepEqual(infos.map((i) => i.path), [TOP, DEP]);
  for (const [info, file] of [[infos[0], '2mk5hy75x2b25h13pfppmk1padmmaw32'], [infos[1], '9xhcvi1qzwc592r7kch2dr40da1cx078']] as const) {
    const ni = parseNarInfo(read(`cache/${file}.narinfo`));
    assert.ok(info !== undefined);
    assert.equal(info.path, ni.path);
    assert.equal(info.narHash, ni.narHash);
    assert.equal(info.narSize, ni.narSize);
    assert.deepEqual(info.references, ni.references);
    assert.equal(info.deriver, ni.deriver);
    assert.deepEqual(info.sigs, ni.sigs);
    assert.equal('ca' in info, false);
  }
});

test('hand-converted newer-Nix object shape gives the same PathInfo values, skipping the null entry', () => {
  const fromList = parsePathInfoJson(read('path-info.json'));
  const fromObject = parsePathInfoJson(read('path-info.newer-object.hand-converted.json'));
  assert.equal(fromObject.length, 2);
  assert.deepEqual(byPath(fromObject), byPath(fromList));
});

test('recorded {"valid": false} entry is skipped', () => {
  const infos = parsePathInfoJson(read('path-info-with-missing.json'));
  assert.deepEqual(infos.map((i) => i.path), [DEP]);
});

test('recorded path-info of a file:// store (extra url/downloadHash fields) parses', () => {
  const [info] = parsePathInfoJson(read('path-info-file-store.json'));
  assert.equal(info?.path, TOP);
  assert.equal(info?.narHash, 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq');
});

test('Nix <= 2.3 spelling "sha256:<nix32>" and missing optional fields', () => {
  const [top] = JSON.parse(read('path-info.json')) as Array<Record<string, unknown>>;
  const nix32 = `sha256:${encodeNix32(Buffer.from(String(top?.['narHash']).slice(7), 'base64'))}`;
  const legacy = [{ path: TOP, narHash: nix32, narSize: 200, references: [DEP] }];
  const [info] = parsePathInfoJson(JSON.stringify(legacy));
  assert.deepEqual(info, { path: TOP, narHash: nix32, narSize: 200, references: [DEP], sigs: [] });
  const ca = `fixed:r:${nix32}`;
  const [bare] = parsePathInfoJson(JSON.stringify({ [TOP]: { narHash: nix32, narSize: 200, deriver: null, ca } }));
  assert.deepEqual(bare, { path: TOP, narHash: nix32, narSize: 200, references: [], ca, sigs: [] });
});

const good = { narHash: 'sha256-uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI=', narSize: 200, references: [DEP] };
const bad: Array<{ desc: string; json: string; wantErr: string }> = [
  { desc: 'not JSON', json: '[{', wantErr: 'path-info-bad-json' },
  { desc: 'a string', json: '"x"', wantErr: 'path-info-bad-shape' },
  { desc: 'null', json: 'null', wantErr: 'path-info-bad-shape' },
  { desc: 'list of numbers', json: '[1]', wantErr: 'path-info-bad-shape' },
  { desc: 'object entry is a list', json: JSON.stringify({ [TOP]: [] }), wantErr: 'path-info-bad-shape' },
  { desc: 'bad path', json: JSON.stringify([{ ...good, path: '/nix/store/x' }]), wantErr: 'path-info-bad-field' },
  { desc: 'missing path in list', json: JSON.stringify([good]), wantErr: 'path-info-bad-field' },
  { desc: 'bad key in object', json: JSON.stringify({ '/tmp/x': good }), wantErr: 'path-info-bad-field' },
  { desc: 'path differs from key', json: JSON.stringify({ [TOP]: { ...good, path: DEP } }), wantErr: 'path-info-bad-field' },
  { desc: 'md5 narHash', json: JSON.stringify([{ ...good, path: TOP, narHash: `md5:${'0'.repeat(32)}` }]), wantErr: 'path-info-bad-field' },
  { desc: 'missing narHash', json: JSON.stringify([{ path: TOP, narSize: 1 }]), wantErr: 'path-info-bad-field' },
  { desc: 'narSize as string', json: JSON.stringify([{ ...good, path: TOP, narSize: '200' }]), wantErr: 'path-info-bad-field' },
  { desc: 'narSize negative', json: JSON.stringify([{ ...good, path: TOP, narSize: -1 }]), wantErr: 'path-info-bad-field' },
  { desc: 'reference as base name', json: JSON.stringify([{ ...good, path: TOP, references: [DEP.slice(11)] }]), wantErr: 'path-info-bad-field' },
  { desc: 'references not a list', json: JSON.stringify([{ ...good, path: TOP, references: DEP }]), wantErr: 'path-info-bad-field' },
  { desc: 'signatures not strings', json: JSON.stringify([{ ...good, path: TOP, signatures: [1] }]), wantErr: 'path-info-bad-field' },
  { desc: 'bad deriver', json: JSON.stringify([{ ...good, path: TOP, deriver: 'x.drv' }]), wantErr: 'path-info-bad-field' },
  { desc: 'structured ca', json: JSON.stringify([{ ...good, path: TOP, ca: { method: 'nar' } }]), wantErr: 'path-info-bad-field' },
  { desc: 'unparsable ca', json: JSON.stringify([{ ...good, path: TOP, ca: 'fixed:r:sha256:x' }]), wantErr: 'path-info-bad-field' },
  { desc: 'a version 2 entry in the unversioned object', json: JSON.stringify({ [TOP]: { ...good, version: 2 } }), wantErr: 'path-info-unsupported-version' },
];
for (const c of bad) {
  test(`parsePathInfoJson rejects: ${c.desc}`, () => throwsCode(() => parsePathInfoJson(c.json), c.wantErr));
}
