// `nix show-derivation` / `nix derivation show`: the output paths of each derivation, from
// Nix 2.8's recorded output (test/data/nix-2.8/show-derivation.json) and from the newer
// shapes restating it (test/data/nix-2.8/newer/, converted, not recorded). Fixed outputs of
// Nix >= 2.32 carry no path; it is computed and must equal the one 2.8 printed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { knownOutputPaths, outputPathName, parseDerivationShowJson, parsePathInfoJson } from '../../src/nixfmt/index.ts';
import type { DerivationInfo } from '../../src/nixfmt/index.ts';
import { formatErrorOf, throwsCode } from './throws.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const sorted = (xs: DerivationInfo[]) => [...xs].sort((a, b) => (a.drvPath < b.drvPath ? -1 : 1));
const RECORDED = sorted(parseDerivationShowJson(read('show-derivation.json')));
const S = '/nix/store/';

test('recorded Nix 2.8: every output kind, names from the .drv path', () => {
  const plain = RECORDED.map((d) => [d.drvPath, d.name, Object.fromEntries(d.outputs)]);
  assert.deepEqual(plain, [
    [`${S}4q8i0llqzkhv8qk6lm3dxnpbpr9abz45-tv-ca-fod-rec.drv`, 'tv-ca-fod-rec', { out: {
      kind: 'fixed', path: `${S}klpddb8ny3v6wh850ywzki5q9wal68dq-tv-ca-fod-rec`, ca: 'fixed:r:sha256:18x0nb6n69lrj7qdihyxg8h8r5zhgh02kdrsr28cvrx816d93q77' } }],
    [`${S}7903jbpw4x9bpzd5azvnfwkaychm1w6z-tv-ca-fod-rec-sha1.drv`, 'tv-ca-fod-rec-sha1', { out: {
      kind: 'fixed', path: `${S}kisnldnhvmi51lqi0diibif9qdswdn7d-tv-ca-fod-rec-sha1`, ca: 'fixed:r:sha1:pp1a1xd324w86xhpjqdz1gllgkwzrmvs' } }],
    [`${S}94wpsjqjw9wpi56q7s5x7dy9zqlamfcr-tv-ca-multi.drv`, 'tv-ca-multi', {
      dev: { kind: 'input-addressed', path: `${S}h852r79rwvmm97kxi82b4fi707xyxxhf-tv-ca-multi-dev` },
      out: { kind: 'input-addressed', path: `${S}ld4i3c9wpg55p0fp2wvx8v2ajk6fzs28-tv-ca-multi` } }],
    [`${S}m1hz2d0wwahscb8fmjkcpms8gw025jx6-tv-ca-floating.drv`, 'tv-ca-floating', { out: { kind: 'floating', method: 'nar', hashAlgo: 'sha256' } }],
    [`${S}zfd43i5l6p51vi4j7qwfvjqf65m91m1r-tv-ca-fod-flat.drv`, 'tv-ca-fod-flat', { out: {
      kind: 'fixed', path: `${S}z5w1llrpn448k4f5j8h97rmd6izg0lz7-tv-ca-fod-flat`, ca: 'fixed:sha256:0i11c1frq1zh1hxwihfd19vgxj6sazv4fy7s3djjswzfydvp6jxn' } }],
  ]);
  assert.equal(knownOutputPaths(RECORDED).length, 5, 'the floating output has no path before it is built');
});

test('fixed outputs: the CA derived from the derivation is the CA Nix recorded for the built path', () => {
  const built = ['fod-rec-sha256', 'fod-rec-sha1', 'fod-flat-sha256'].flatMap((f) => parsePathInfoJson(read(`ca/${f}.json`)));
  const fixed = RECORDED.flatMap((d) => [...d.outputs.values()]).filter((o) => o.kind === 'fixed');
  assert.deepEqual(fixed.map((o) => [o.path, o.ca]).sort(), built.map((i) => [i.path, i.ca]).sort());
});

for (const f of ['2.18', '2.24', '2.32', '2.33']) {
  test(`newer/derivation-show-${f}.converted.json gives what Nix 2.8 gave`, () => {
    assert.deepEqual(sorted(parseDerivationShowJson(read(`newer/derivation-show-${f}.converted.json`))), RECORDED);
  });
}

test('outputPathName: "out" keeps the name, other outputs append theirs', () => {
  assert.equal(outputPathName('tv-ca-multi', 'out'), 'tv-ca-multi');
  assert.equal(outputPathName('tv-ca-multi', 'dev'), 'tv-ca-multi-dev');
});

type Doc = Record<string, Record<string, unknown>>;
const edit = (file: string, f: (d: Record<string, unknown>) => void): string => {
  const d = JSON.parse(read(file)) as Record<string, unknown>;
  f(d);
  return JSON.stringify(d);
};
const FOD28 = `${S}4q8i0llqzkhv8qk6lm3dxnpbpr9abz45-tv-ca-fod-rec.drv`;
const FOD = '4q8i0llqzkhv8qk6lm3dxnpbpr9abz45-tv-ca-fod-rec.drv';
const out = (d: Record<string, unknown>, key: string) => ((d[key] as Doc)['outputs'] as Doc)['out'] as Record<string, unknown>;
const v4out = (d: Record<string, unknown>) => out(d['derivations'] as Record<string, unknown>, FOD);

const bad: Array<{ desc: string; json: string; wantErr: string }> = [
  { desc: 'not JSON', json: '{', wantErr: 'derivation-show-bad-json' },
  { desc: 'a list', json: '[]', wantErr: 'derivation-show-bad-shape' },
  { desc: 'outer version 5', json: edit('newer/derivation-show-2.33.converted.json', (d) => { d['version'] = 5; }), wantErr: 'derivation-show-unsupported-version' },
  { desc: 'outer version 4 without derivations', json: JSON.stringify({ version: 4 }), wantErr: 'derivation-show-bad-shape' },
  { desc: 'derivation version 5 inside version 4', json: edit('newer/derivation-show-2.33.converted.json', (d) => { ((d['derivations'] as Doc)[FOD] as Record<string, unknown>)['version'] = 5; }), wantErr: 'derivation-show-unsupported-version' },
  { desc: 'derivation version 4 without the wrapper', json: edit('newer/derivation-show-2.32.converted.json', (d) => { (d[FOD] as Record<string, unknown>)['version'] = 4; }), wantErr: 'derivation-show-unsupported-version' },
  { desc: 'version 3 keyed by full path', json: JSON.stringify({ [FOD28]: JSON.parse(read('newer/derivation-show-2.32.converted.json'))[FOD] }), wantErr: 'derivation-show-bad-shape' },
  { desc: 'unversioned keyed by base name', json: JSON.stringify({ [FOD]: JSON.parse(read('show-derivation.json'))[FOD28] }), wantErr: 'derivation-show-bad-shape' },
  { desc: 'key not a .drv', json: JSON.stringify({ [`${S}klpddb8ny3v6wh850ywzki5q9wal68dq-tv-ca-fod-rec`]: { outputs: {} } }), wantErr: 'derivation-show-bad-shape' },
  { desc: 'name differs from the .drv', json: edit('newer/derivation-show-2.18.converted.json', (d) => { (d[FOD28] as Record<string, unknown>)['name'] = 'x'; }), wantErr: 'derivation-show-bad-shape' },
  { desc: 'no outputs', json: JSON.stringify({ [FOD28]: { env: {} } }), wantErr: 'derivation-show-bad-shape' },
  { desc: '2.8 fixed path that its hash does not give', json: edit('show-derivation.json', (d) => { out(d, FOD28)['hash'] = '00'.repeat(32); }), wantErr: 'derivation-fixed-path-mismatch' },
  { desc: '2.8 fixed hash not hex', json: edit('show-derivation.json', (d) => { out(d, FOD28)['hash'] = '18x0nb6n69lrj7qdihyxg8h8r5zhgh02kdrsr28cvrx816d93q77'; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.8 unknown hashAlgo', json: edit('show-derivation.json', (d) => { out(d, FOD28)['hashAlgo'] = 'r:sha3'; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.32 fixed output with a path (not a 2.32 shape)', json: edit('newer/derivation-show-2.32.converted.json', (d) => { out(d, FOD)['path'] = 'klpddb8ny3v6wh850ywzki5q9wal68dq-tv-ca-fod-rec'; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.32 input-addressed full path', json: edit('newer/derivation-show-2.32.converted.json', (d) => { ((d['94wpsjqjw9wpi56q7s5x7dy9zqlamfcr-tv-ca-multi.drv'] as Doc)['outputs'] as Doc)['out'] = { path: `${S}ld4i3c9wpg55p0fp2wvx8v2ajk6fzs28-tv-ca-multi` }; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.33 fixed output with a hex hash', json: edit('newer/derivation-show-2.33.converted.json', (d) => { v4out(d)['hash'] = 'e7e0919a09a8e7cd90c83ab729007cf0978c207addc3d8f091992663cdb2a0a3'; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.33 fixed output in the 2.32 spelling', json: edit('newer/derivation-show-2.33.converted.json', (d) => { v4out(d)['hashAlgo'] = 'sha256'; }), wantErr: 'derivation-show-bad-output' },
  { desc: '2.33 floating output with a prefixed hashAlgo', json: edit('newer/derivation-show-2.33.converted.json', (d) => { ((d['derivations'] as Doc)['m1hz2d0wwahscb8fmjkcpms8gw025jx6-tv-ca-floating.drv']!['outputs'] as Doc)['out'] = { hashAlgo: 'r:sha256' }; }), wantErr: 'derivation-show-bad-output' },
  { desc: 'an output with unknown fields', json: edit('show-derivation.json', (d) => { out(d, FOD28)['refs'] = []; }), wantErr: 'derivation-show-bad-output' },
  { desc: 'an output that is a string', json: edit('show-derivation.json', (d) => { (d[FOD28] as Doc)['outputs'] = { out: 'x' } as unknown as Record<string, unknown>; }), wantErr: 'derivation-show-bad-output' },
];
for (const c of bad) {
  test(`parseDerivationShowJson rejects: ${c.desc}`, () => throwsCode(() => parseDerivationShowJson(c.json), c.wantErr));
}

test('the unknown-version error names the version it found', () => {
  const e = formatErrorOf(() => parseDerivationShowJson(JSON.stringify({ version: 5, derivations: {} })), 'derivation-show-unsupported-version');
  assert.match(e.message, /"version": 5/);
});
