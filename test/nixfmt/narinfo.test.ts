// narinfo parse/format against the narinfos `nix copy --to file://` wrote with
// Nix 2.8 (test/data/nix-2.8/cache), plus a table of malformed inputs, each
// with the error code (and field) it must fail with.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { MAX_NARINFO_BYTES, NixFormatError, formatNarInfo, parseNarInfo } from '../../src/nixfmt/index.ts';
import type { NarInfo, StorePath } from '../../src/nixfmt/index.ts';
import { formatErrorOf, throwsCode } from './throws.ts';

const CACHE = new URL('../data/nix-2.8/cache/', import.meta.url);
const TOP_TEXT = readFileSync(new URL('2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo', CACHE), 'utf8');
const DEP_TEXT = readFileSync(new URL('9xhcvi1qzwc592r7kch2dr40da1cx078.narinfo', CACHE), 'utf8');
const TOP = '/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top';
const DEP = '/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep';


/** Replace the value of `key` in the recorded top narinfo (or drop the line when value is null). */
function edit(key: string, value: string | null, text = TOP_TEXT): string {
  const re = new RegExp(`^${key}: .*\\n`, 'm');
  assert.match(text, re, `fixture has ${key}`);
  return text.replace(re, value === null ? '' : `${key}: ${value}\n`);
}

test('recorded nixfmt-top narinfo: every field, full-path references, both Sigs in order', () => {
  const info = parseNarInfo(TOP_TEXT);
  const want: NarInfo = {
    path: TOP as StorePath,
    url: 'nar/1xzayav35l9gcyxdjpxnls63fg4njbkq8r0rigjpdnx029bavv7n.nar.xz',
    compression: 'xz',
    fileHash: 'sha256:1xzayav35l9gcyxdjpxnls63fg4njbkq8r0rigjpdnx029bavv7n',
    fileSize: 192,
    narHash: 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq' as NarInfo['narHash'],
    narSize: 200,
    references: [DEP as StorePath],
    deriver: '/nix/store/p0f33s2qy2k3jwnyhxbwvz1a0sfdpkj8-nixfmt-top.drv' as StorePath,
    sigs: [
      'nixfmt-test-1:LA01nteXaw2z0bLiP8jSXg6JQjZ/a6VEH2OGGFeDBioAd+4HyybCvU3+HQBAmfvNY9gYMbp4umFvdnXySYBsDA==',
      'nixfmt-test-2:LcngqzIDVuCTuZ1Kx1vz6m16xYWw3BJRXVjsoTf3aevI2egLU/Scs/U14gfDjcOtrw3XGr2PNVNwF628hk41AA==',
    ],
  };
  assert.deepEqual(info, want);
});

test('recorded nixfmt-dep narinfo: "References: " with nothing after it is an empty list', () => {
  assert.match(DEP_TEXT, /^References: \n/m);
  const info = parseNarInfo(DEP_TEXT);
  assert.equal(info.path, DEP);
  assert.deepEqual(info.references, []);
  assert.equal(info.narSize, 144);
  assert.equal(info.sigs.length, 2);
});

test('format reproduces the recorded bytes exactly, and parse(format(parse(x))) is stable', () => {
  for (const text of [TOP_TEXT, DEP_TEXT]) {
    const info = parseNarInfo(text);
    assert.equal(formatNarInfo(info), text);
    assert.deepEqual(parseNarInfo(formatNarInfo(info)), info);
  }
});

test('Nix defaults: no Compression means bzip2, unknown-deriver and empty CA mean none, unknown keys ignored', () => {
  let t = edit('Compression', null);
  t = edit('Deriver', 'unknown-deriver', t);
  t += 'CA: \nFutureKey: whatever\n';
  const info = parseNarInfo(t);
  assert.equal(info.compression, 'bzip2');
  assert.equal('deriver' in info, false);
  assert.equal('ca' in info, false);
  assert.equal(parseNarInfo(edit('Compression', '')).compression, 'bzip2');
});

test('optional fields: System and CA survive a round trip; FileHash/FileSize may be absent', () => {
  const ca = `fixed:r:sha256:${'1'.repeat(52)}`;
  // Nix's order: System after Deriver, CA after the Sig lines.
  const t = `${TOP_TEXT.replace(/^(Deriver: .*\n)/m, '$1System: x86_64-linux\n')}CA: ${ca}\n`;
  const info = parseNarInfo(t);
  assert.equal(info.system, 'x86_64-linux');
  assert.equal(info.ca, ca);
  assert.equal(formatNarInfo(info), t);
  const bare = parseNarInfo(edit('FileSize', null, edit('FileHash', null)));
  assert.equal('fileHash' in bare, false);
  assert.equal('fileSize' in bare, false);
  assert.deepEqual(parseNarInfo(formatNarInfo(bare)), bare);
});

test('NarHash and FileHash in SRI or hex are canonicalised to sha256:<nix32>', () => {
  const t = edit('FileHash', `sha256:${Buffer.alloc(32, 1).toString('hex')}`,
    edit('NarHash', 'sha256-uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI='));
  const info = parseNarInfo(t);
  assert.equal(info.narHash, 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq');
  assert.match(info.fileHash ?? '', /^sha256:[0-9a-df-np-sv-z]{52}$/);
});

test('references are deduplicated and sorted, and formatted back as sorted base names', () => {
  const refs = `${TOP.slice(11)} 9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep  ${TOP.slice(11)}`;
  const info = parseNarInfo(edit('References', refs));
  assert.deepEqual(info.references, [TOP, DEP].sort());
  assert.match(formatNarInfo(info), /^References: 2mk5\S+-nixfmt-top 9xhc\S+-nixfmt-dep\n/m);
});

test('a Sig may repeat; file order is kept', () => {
  const info = parseNarInfo(`${TOP_TEXT}Sig: zzz:AAAA\nSig: aaa:AAAA\n`);
  assert.deepEqual(info.sigs.slice(2), ['zzz:AAAA', 'aaa:AAAA']);
});

test('a non-default store dir', () => {
  const t = TOP_TEXT.replace('StorePath: /nix/store/', 'StorePath: /gnu/store/');
  const info = parseNarInfo(t, '/gnu/store');
  assert.equal(info.references[0], '/gnu/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep');
  assert.equal(formatNarInfo(info), t);
  throwsCode(() => parseNarInfo(TOP_TEXT, '/gnu/store'), 'narinfo-bad-field', 'StorePath');
});

const bad: Array<{ desc: string; text: string; wantErr: string; field?: string; cause?: string }> = [
  { desc: 'missing StorePath', text: edit('StorePath', null), wantErr: 'narinfo-missing-field', field: 'StorePath' },
  { desc: 'missing URL', text: edit('URL', null), wantErr: 'narinfo-missing-field', field: 'URL' },
  { desc: 'missing NarHash', text: edit('NarHash', null), wantErr: 'narinfo-missing-field', field: 'NarHash' },
  { desc: 'missing NarSize', text: edit('NarSize', null), wantErr: 'narinfo-missing-field', field: 'NarSize' },
  { desc: 'empty text', text: '', wantErr: 'narinfo-missing-field', field: 'StorePath' },
  { desc: 'NarSize 0', text: edit('NarSize', '0'), wantErr: 'narinfo-zero-narsize', field: 'NarSize' },
  { desc: 'NarSize negative', text: edit('NarSize', '-200'), wantErr: 'narinfo-bad-field', field: 'NarSize' },
  { desc: 'NarSize leading zero', text: edit('NarSize', '0200'), wantErr: 'narinfo-bad-field', field: 'NarSize' },
  { desc: 'NarSize not a number', text: edit('NarSize', '2e2'), wantErr: 'narinfo-bad-field', field: 'NarSize' },
  { desc: 'NarSize above 2^53', text: edit('NarSize', '9007199254740993'), wantErr: 'narinfo-bad-field', field: 'NarSize' },
  { desc: 'FileSize not a number', text: edit('FileSize', 'big'), wantErr: 'narinfo-bad-field', field: 'FileSize' },
  { desc: 'duplicate NarHash', text: `${TOP_TEXT}NarHash: sha256:${'0'.repeat(52)}\n`, wantErr: 'narinfo-duplicate-field', field: 'NarHash' },
  { desc: 'duplicate StorePath', text: `${TOP_TEXT}StorePath: ${DEP}\n`, wantErr: 'narinfo-duplicate-field', field: 'StorePath' },
  { desc: 'duplicate References', text: `${TOP_TEXT}References: \n`, wantErr: 'narinfo-duplicate-field', field: 'References' },
  { desc: 'duplicate URL', text: `${TOP_TEXT}URL: nar/x\n`, wantErr: 'narinfo-duplicate-field', field: 'URL' },
  { desc: 'over-long', text: TOP_TEXT + `X: ${'a'.repeat(MAX_NARINFO_BYTES)}\n`, wantErr: 'narinfo-too-long' },
  { desc: 'over-long in UTF-8 bytes only', text: TOP_TEXT + `X: ${'\u00e9'.repeat(MAX_NARINFO_BYTES / 2)}\n`, wantErr: 'narinfo-too-long' },
  { desc: 'StorePath hash has e', text: edit('StorePath', TOP.replace('2mk5', '2mke')), wantErr: 'narinfo-bad-field', field: 'StorePath', cause: 'store-path-bad-hash' },
  { desc: 'StorePath outside store', text: edit('StorePath', `/tmp/${TOP.slice(11)}`), wantErr: 'narinfo-bad-field', field: 'StorePath', cause: 'store-path-not-in-store' },
  { desc: 'StorePath as base name', text: edit('StorePath', TOP.slice(11)), wantErr: 'narinfo-bad-field', field: 'StorePath' },
  { desc: 'reference as full path (Nix rejects it)', text: edit('References', DEP), wantErr: 'narinfo-bad-field', field: 'References' },
  { desc: 'reference with bad name', text: edit('References', `${DEP.slice(11)} 9xhcvi1qzwc592r7kch2dr40da1cx078-.x`), wantErr: 'narinfo-bad-field', field: 'References', cause: 'store-path-bad-name' },
  { desc: 'Deriver as full path', text: edit('Deriver', '/nix/store/p0f33s2qy2k3jwnyhxbwvz1a0sfdpkj8-nixfmt-top.drv'), wantErr: 'narinfo-bad-field', field: 'Deriver' },
  { desc: 'NarHash md5', text: edit('NarHash', `md5:${'0'.repeat(32)}`), wantErr: 'narinfo-bad-field', field: 'NarHash', cause: 'hash-invalid' },
  { desc: 'NarHash truncated', text: edit('NarHash', 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8d'), wantErr: 'narinfo-bad-field', field: 'NarHash', cause: 'hash-invalid' },
  { desc: 'NarHash without algorithm', text: edit('NarHash', '14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq'), wantErr: 'narinfo-bad-field', field: 'NarHash' },
  { desc: 'FileHash garbage', text: edit('FileHash', 'sha256:nope'), wantErr: 'narinfo-bad-field', field: 'FileHash' },
  { desc: 'CA garbage', text: `${TOP_TEXT}CA: nonsense\n`, wantErr: 'narinfo-bad-field', field: 'CA' },
  { desc: 'empty URL', text: edit('URL', ''), wantErr: 'narinfo-bad-field', field: 'URL' },
  { desc: 'line without ": "', text: edit('References', null) + 'References:\n', wantErr: 'narinfo-bad-line' },
  { desc: 'line without colon', text: `${TOP_TEXT}garbage\n`, wantErr: 'narinfo-bad-line' },
  { desc: 'blank line', text: `${TOP_TEXT}\n`, wantErr: 'narinfo-bad-line' },
  { desc: 'no final newline', text: TOP_TEXT.slice(0, -1), wantErr: 'narinfo-bad-line' },
  { desc: 'CRLF line endings', text: TOP_TEXT.replaceAll('\n', '\r\n'), wantErr: 'narinfo-bad-line' },
  { desc: 'NUL byte', text: edit('URL', 'nar/x\0y'), wantErr: 'narinfo-bad-line' },
  { desc: 'space before colon', text: `${TOP_TEXT}Sig : x:y\n`, wantErr: 'narinfo-bad-line' },
];
for (const c of bad) {
  test(`parseNarInfo rejects: ${c.desc}`, () => {
    const e = formatErrorOf(() => parseNarInfo(c.text), c.wantErr, c.field);
    if (c.cause !== undefined) {
      assert.ok(e.cause instanceof NixFormatError, 'wraps the underlying error as cause');
      assert.equal(e.cause.code, c.cause);
    }
  });
}

test('formatNarInfo refuses values that would inject lines', () => {
  const info = parseNarInfo(TOP_TEXT);
  for (const bad of [{ ...info, url: 'nar/x\nSig: evil:AAAA' }, { ...info, sigs: ['k:\rx'] }, { ...info, system: 'a\nb' }]) {
    throwsCode(() => formatNarInfo(bad), 'narinfo-bad-field');
  }
});
