// `nix path-info --json` of Nix >= 2.33 (--json-format 1, 2, 3). No newer Nix was at hand, so
// test/data/nix-2.8/newer/ restates facts recorded with Nix 2.8 in those shapes (see the
// README there): every format must give exactly the PathInfo values the 2.8 recordings give,
// and an output this parser does not know must fail naming the version, never parse half-way.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NEWEST_PATH_INFO_FORMAT, caProvesPath, parsePathInfoJson } from '../../src/nixfmt/index.ts';
import type { PathInfo } from '../../src/nixfmt/index.ts';
import { formatErrorOf, throwsCode } from './throws.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const byPath = (xs: PathInfo[]): PathInfo[] => [...xs].sort((a, b) => (a.path < b.path ? -1 : 1));

const RECORDED = byPath([
  ...parsePathInfoJson(read('ca/floating-self-ref.json')),
  ...parsePathInfoJson(read('ca/tofile-refs.json')),
  ...parsePathInfoJson(read('path-info.json')).filter((i) => i.path.endsWith('-nixfmt-top')),
]);

const FILES = [
  'newer/path-info-2.33-format1.converted.json',
  'newer/path-info-2.33-format2.converted.json',
  'newer/path-info-2.35-format3.converted.json',
];

for (const f of FILES) {
  test(`${f}: the same PathInfo values as the Nix 2.8 recordings, null entry skipped`, () => {
    const infos = byPath(parsePathInfoJson(read(f)));
    assert.deepEqual(infos, RECORDED);
    for (const i of infos.filter((x) => x.ca !== undefined)) assert.equal(caProvesPath(i.path, i.ca ?? '', i.references), true, i.path);
  });
}

test('format 3 signatures become the "<key name>:<base64>" strings narinfo Sig lines carry', () => {
  const top = parsePathInfoJson(read(FILES[2]!)).find((i) => i.path.endsWith('-nixfmt-top'));
  assert.equal(top?.sigs.length, 2);
  assert.match(top?.sigs[0] ?? '', /^nixfmt-test-1:LA01/);
});

const doc = (f: string) => JSON.parse(read(f)) as Record<string, unknown> & { info: Record<string, Record<string, unknown> | null> };
const KEY = 'v9rzr2xp15blxlf02g7dxdwpqqp4ycn9-tv-ca-floating';
function bent(f: string, edit: (d: ReturnType<typeof doc>, e: Record<string, unknown>) => void): string {
  const d = doc(f);
  edit(d, d.info[KEY] as Record<string, unknown>);
  return JSON.stringify(d);
}
const F1 = doc(FILES[0]!) as Record<string, Record<string, unknown> | null>;
const bent1 = (edit: (e: Record<string, unknown>) => void): string => {
  const d = structuredClone(F1);
  edit(d[`/nix/store/${KEY}`] as Record<string, unknown>);
  return JSON.stringify(d);
};

const bad: Array<{ desc: string; json: string; wantErr: string; field?: string }> = [
  { desc: 'wrapper version 4 (newer than Nix 2.35 knows)', json: bent(FILES[2]!, (d) => { d['version'] = 4; }), wantErr: 'path-info-unsupported-version', field: 'version' },
  { desc: 'wrapper version 1 (format 1 has no wrapper)', json: bent(FILES[1]!, (d) => { d['version'] = 1; }), wantErr: 'path-info-unsupported-version' },
  { desc: 'wrapper version as a string', json: bent(FILES[1]!, (d) => { d['version'] = '2'; }), wantErr: 'path-info-unsupported-version' },
  { desc: 'entry version differs from the wrapper', json: bent(FILES[1]!, (_, e) => { e['version'] = 3; }), wantErr: 'path-info-unsupported-version' },
  { desc: 'wrapper storeDir not /nix/store', json: bent(FILES[1]!, (d) => { d['storeDir'] = '/gnu/store'; }), wantErr: 'path-info-store-dir-mismatch' },
  { desc: 'entry storeDir not /nix/store', json: bent(FILES[1]!, (_, e) => { e['storeDir'] = '/gnu/store'; }), wantErr: 'path-info-store-dir-mismatch' },
  { desc: 'wrapper without info', json: JSON.stringify({ version: 2, storeDir: '/nix/store' }), wantErr: 'path-info-bad-shape' },
  { desc: 'format 2 key is a full path', json: JSON.stringify({ version: 2, storeDir: '/nix/store', info: { [`/nix/store/${KEY}`]: null } }), wantErr: 'path-info-bad-field' },
  { desc: 'format 2 reference is a full path', json: bent(FILES[1]!, (_, e) => { e['references'] = [`/nix/store/${KEY}`]; }), wantErr: 'path-info-bad-field', field: 'references' },
  { desc: 'format 2 ca as a string', json: bent(FILES[1]!, (_, e) => { e['ca'] = 'fixed:r:sha256:1j8p8lhbcv474cly6yccvrja8kiyl63jna7c90wxk7f5qf6smyp5'; }), wantErr: 'path-info-bad-field', field: 'ca' },
  { desc: 'format 2 ca method unknown', json: bent(FILES[1]!, (_, e) => { e['ca'] = { method: 'recursive', hash: 'sha256-5fqqjcPFndk5SOwoK4ehPk6kZN6MeeMpI4dstiBFF8k=' }; }), wantErr: 'path-info-bad-field', field: 'ca' },
  { desc: 'format 2 narHash as an unreleased structured object', json: bent(FILES[1]!, (_, e) => { e['narHash'] = { algorithm: 'sha256', format: 'base16', hash: '00'.repeat(32) }; }), wantErr: 'path-info-bad-field', field: 'narHash' },
  { desc: 'format 3 signature as a string', json: bent(FILES[2]!, (_, e) => { e['signatures'] = ['k:AAAA']; }), wantErr: 'path-info-bad-field', field: 'signatures' },
  { desc: 'format 3 signature without keyName', json: bent(FILES[2]!, (_, e) => { e['signatures'] = [{ sig: 'AAAA' }]; }), wantErr: 'path-info-bad-field', field: 'signatures' },
  { desc: 'format 1 structured ca', json: bent1((e) => { e['ca'] = { method: 'nar', hash: 'sha256-5fqqjcPFndk5SOwoK4ehPk6kZN6MeeMpI4dstiBFF8k=' }; }), wantErr: 'path-info-bad-field', field: 'ca' },
  { desc: 'format 1 base-name reference', json: bent1((e) => { e['references'] = [KEY]; }), wantErr: 'path-info-bad-field', field: 'references' },
  { desc: 'format 1 entry says version 2', json: bent1((e) => { e['version'] = 2; }), wantErr: 'path-info-unsupported-version', field: 'version' },
];
for (const c of bad) {
  test(`newer path-info rejects: ${c.desc}`, () => throwsCode(() => parsePathInfoJson(c.json), c.wantErr, c.field));
}

test('the unknown-version error names the version and the newest known format', () => {
  const e = formatErrorOf(() => parsePathInfoJson(bent(FILES[2]!, (d) => { d['version'] = 4; })), 'path-info-unsupported-version');
  assert.match(e.message, /"version": 4/);
  assert.match(e.message, new RegExp(`1 to ${NEWEST_PATH_INFO_FORMAT}`));
});

test('a caller with another store dir reads base names against it, and refuses /nix/store output', () => {
  throwsCode(() => parsePathInfoJson(read(FILES[1]!), '/gnu/store'), 'path-info-store-dir-mismatch');
  const gnu = read(FILES[1]!).replaceAll('"/nix/store"', '"/gnu/store"');
  assert.ok(parsePathInfoJson(gnu, '/gnu/store').every((i) => i.path.startsWith('/gnu/store/')));
});
