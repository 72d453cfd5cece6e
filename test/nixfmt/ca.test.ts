// Content addresses against paths real Nix 2.8 made (test/data/nix-2.8/ca): every
// recorded path recomputes from (CA, name, references), its narinfo says the same,
// and the text and JSON forms of a CA parse to one value.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  caProvesFacts, caProvesPath, caStorePath, contentAddressFromJson, formatContentAddress, formatHash, makeFixedOutputPath,
  nameOf, parseContentAddress, parseHash, parseNarHash, parseNarInfo, storeDirOf,
} from '../../src/nixfmt/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';
import { VECTORS, rawCa } from './ca-vectors.ts';

const split = (path: StorePath, refs: readonly StorePath[]) => ({ others: refs.filter((r) => r !== path), self: refs.includes(path) });

test('15 recorded vectors, covering every CA kind Nix 2.8 makes', () => {
  assert.equal(VECTORS.length, 15);
  const kinds = new Set(VECTORS.map((v) => v.info.ca.replace(/:[^:]*$/, '')));
  assert.deepEqual([...kinds].sort(), ['fixed:md5', 'fixed:r:sha1', 'fixed:r:sha256', 'fixed:sha1', 'fixed:sha256', 'fixed:sha512', 'text:sha256']);
  assert.ok(VECTORS.some((v) => v.info.ca.startsWith('text:') && v.info.references.length === 2));
  assert.ok(VECTORS.some((v) => v.info.references.includes(v.info.path)), 'a self-referencing path');
});

for (const v of VECTORS) {
  test(`${v.file}: ${v.info.path} recomputes from ${v.info.ca.slice(0, 24)}…`, () => {
    const ca = parseContentAddress(v.info.ca);
    assert.equal(caStorePath(nameOf(v.info.path), ca, split(v.info.path, v.info.references), storeDirOf(v.info.path)), v.info.path);
    assert.equal(formatContentAddress(ca), rawCa(v.file), 'canonical text is what Nix printed');
    assert.equal(caProvesPath(v.info.path, v.info.ca, v.info.references, { narHash: v.info.narHash, allowWeakHashes: true }), true);
  });

  test(`${v.file}: the narinfo nix copy wrote carries the same CA and references, and proves the path too`, () => {
    assert.equal(v.narinfo.path, v.info.path);
    assert.equal(v.narinfo.ca, v.info.ca);
    assert.deepEqual(v.narinfo.references, v.info.references);
    assert.equal(v.narinfo.narHash, v.info.narHash);
    assert.equal(caProvesPath(v.narinfo.path, v.narinfo.ca ?? '', v.narinfo.references, { narHash: v.narinfo.narHash, allowWeakHashes: true }), true);
    assert.equal(caProvesFacts(v.narinfo, { allowWeakHashes: true }), true);
    assert.equal(caProvesFacts(v.info, { allowWeakHashes: true }), true);
  });
}

test('fixed:r:sha256: the CA hash is the NarHash, except with a self-reference', () => {
  for (const v of VECTORS.filter((x) => x.info.ca.startsWith('fixed:r:sha256:'))) {
    const same = formatHash(parseContentAddress(v.info.ca).hash) === v.info.narHash;
    assert.equal(same, !v.info.references.includes(v.info.path), v.file);
  }
});

test('facts without a CA (an input-addressed narinfo) are refused as ca-absent', () => {
  const r = caProvesFacts(parseNarInfo(readFileSync(new URL('../data/nix-2.8/cache/2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo', import.meta.url), 'utf8')));
  assert.ok(r !== true && r.code === 'ca-absent');
});

test('md5 and sha1 addresses prove nothing unless weak hashes are allowed', () => {
  const weak = VECTORS.filter((v) => /^fixed:(r:)?(md5|sha1):/.test(v.info.ca));
  assert.equal(weak.length, 4);
  for (const v of weak) {
    const r = caProvesPath(v.info.path, v.info.ca, v.info.references);
    assert.ok(r !== true && r.code === 'ca-weak-hash', v.file);
  }
});

test('digests in hex, nix32 and base64 name one content address; the canonical form is nix32', () => {
  const nix32 = 'fixed:r:sha256:0xd4yhha49pvf0kiw13ic8m8ncvvi9q6x01vj3rmj0lmgqfji7f6';
  const { hash } = parseContentAddress(nix32);
  const hex = Buffer.from(hash.bytes).toString('hex');
  const b64 = Buffer.from(hash.bytes).toString('base64');
  for (const s of [nix32, `fixed:r:sha256:${hex}`, `fixed:r:sha256:${b64}`]) {
    assert.equal(formatContentAddress(parseContentAddress(s)), nix32, s);
  }
});

test('structured JSON content addresses (Nix >= 2.33) equal the text form', () => {
  const sri = (ca: string) => { const h = parseContentAddress(ca).hash; return `${h.algo}-${Buffer.from(h.bytes).toString('base64')}`; };
  const cases: Array<[string, string]> = [
    ['nar', 'fixed:r:sha256:0xd4yhha49pvf0kiw13ic8m8ncvvi9q6x01vj3rmj0lmgqfji7f6'],
    ['flat', rawCa('add-fixed-flat-sha512.json')],
    ['text', 'text:sha256:11hv436bcpw1am73cwyn8yki9xg0fq3cbfqq21d31ldabj8a2hnd'],
  ];
  for (const [method, text] of cases) {
    assert.equal(formatContentAddress(contentAddressFromJson({ method, hash: sri(text) })), text);
  }
  // The manual's own example (Store Object Info v2, nar-info/json-2 test data of NixOS/nix).
  const ex = contentAddressFromJson({ method: 'nar', hash: 'sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM=' });
  assert.equal(formatContentAddress(ex), `fixed:r:${formatHash(parseHash('sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM='))}`);
});

test('git and blake3 addresses (no Nix 2.8 vector): parsed, and hashed like other non-"source" fixed paths', () => {
  const git = parseContentAddress(`fixed:git:sha1:${'ab'.repeat(20)}`);
  assert.equal(git.method, 'git');
  assert.equal(formatContentAddress(git), `fixed:git:${formatHash(git.hash)}`);
  const p = makeFixedOutputPath('src', 'git', git.hash);
  assert.match(p, /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-src$/);
  assert.notEqual(p, makeFixedOutputPath('src', 'nar', git.hash), 'git: and r: prefixes give different paths');
  throwsCode(() => makeFixedOutputPath('src', 'git', git.hash, { others: [], self: true }), 'ca-references-not-allowed');
  assert.equal(parseContentAddress(`fixed:blake3:${'00'.repeat(32)}`).hash.algo, 'blake3');
  assert.equal(parseNarHash('sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM=').startsWith('sha256:'), true);
});

const badText: Array<{ desc: string; ca: string }> = [
  { desc: 'empty', ca: '' },
  { desc: 'unknown prefix', ca: `source:sha256:${'0'.repeat(52)}` },
  { desc: 'no algorithm', ca: `fixed:r:${'0'.repeat(52)}` },
  { desc: 'unknown algorithm', ca: `fixed:sha3:${'0'.repeat(64)}` },
  { desc: 'text with sha1 (Nix: text uses sha256)', ca: `text:sha1:${'0'.repeat(40)}` },
  { desc: 'git with md5', ca: `fixed:git:md5:${'0'.repeat(32)}` },
  { desc: 'text:r: is not a method', ca: `text:r:sha256:${'0'.repeat(52)}` },
  { desc: 'SRI digest', ca: 'fixed:r:sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM=' },
  { desc: 'digest one char short', ca: `fixed:r:sha256:${'0'.repeat(51)}` },
  { desc: 'trailing newline', ca: `fixed:r:sha256:${'0'.repeat(52)}\n` },
];
for (const c of badText) {
  test(`parseContentAddress rejects: ${c.desc}`, () => throwsCode(() => parseContentAddress(c.ca), 'ca-invalid'));
}

const SRI = 'sha256-EMIJ+giQ/gLIWoxmPKjno3zHZrxbGymgzGGyZvZBIdM=';
const badJson: Array<{ desc: string; v: unknown }> = [
  { desc: 'a string', v: `fixed:r:sha256:${'0'.repeat(52)}` },
  { desc: 'null', v: null },
  { desc: 'unknown method', v: { method: 'recursive', hash: SRI } },
  { desc: 'missing hash', v: { method: 'nar' } },
  { desc: 'nix32 hash', v: { method: 'nar', hash: `sha256:${'0'.repeat(52)}` } },
  { desc: 'unreleased structured hash object', v: { method: 'nar', hash: { algorithm: 'sha256', format: 'base16', hash: '00'.repeat(32) } } },
  { desc: 'extra field', v: { method: 'nar', hash: SRI, references: [] } },
  { desc: 'text with sha512', v: { method: 'text', hash: `sha512-${Buffer.alloc(64).toString('base64')}` } },
];
for (const c of badJson) {
  test(`contentAddressFromJson rejects: ${c.desc}`, () => throwsCode(() => contentAddressFromJson(c.v), 'ca-invalid'));
}
