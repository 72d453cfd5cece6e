// Corruption table for caProvesPath (transparency-dev/merkle style): every recorded Nix 2.8
// vector (test/data/nix-2.8/ca) is bent in each way below, and every bent case must be
// refused with the expected code. Weak hashes are allowed here so that md5/sha1 vectors test
// the path math; ca.test.ts checks that they are refused by default.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caProvesPath, narHashBytes, narHashFromBytes, parseContentAddress } from '../../src/nixfmt/index.ts';
import type { CaRefusalCode, ContentAddress, NarHash, StorePath } from '../../src/nixfmt/index.ts';
import { VECTORS } from './ca-vectors.ts';

const OTHER = '/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep' as StorePath;

interface Case { desc: string; path: StorePath; ca: ContentAddress; refs: readonly StorePath[]; narHash?: NarHash; wantErr: CaRefusalCode }

function flip(bytes: Uint8Array, i: number): Uint8Array {
  const out = new Uint8Array(bytes);
  out[i] = (out[i] as number) ^ 1;
  return out;
}

function cases(v: (typeof VECTORS)[number]): Case[] {
  const { path, references: refs, narHash } = v.info;
  const ca = parseContentAddress(v.info.ca);
  const self = refs.includes(path);
  const others = refs.filter((r) => r !== path);
  const source = ca.method === 'nar' && ca.hash.algo === 'sha256';
  const noRefsAllowed: CaRefusalCode = 'ca-references-not-allowed';
  const out: Case[] = [];
  const add = (desc: string, c: Partial<Case> & { wantErr: CaRefusalCode }) => out.push({ desc, path, ca, refs, ...c });

  // The path moves; a self-reference moves with it.
  const moved = (p: string) => ({ path: p as StorePath, refs: refs.map((r) => (r === path ? p as StorePath : r)) });
  add('name changed', { ...moved(`${path}x`), wantErr: 'ca-path-mismatch' });
  add('hash part changed', { ...moved(path.replace(/^(\/nix\/store\/)(.)/, (_, d: string, c: string) => d + (c === '0' ? '1' : '0'))), wantErr: 'ca-path-mismatch' });
  const gnu = (p: string) => p.replace('/nix/store/', '/gnu/store/') as StorePath;
  add('other store dir, references moved along', { path: gnu(path), refs: refs.map(gnu), wantErr: 'ca-path-mismatch' });
  add('reference added', { refs: [...refs, OTHER], wantErr: source || ca.method === 'text' ? 'ca-path-mismatch' : noRefsAllowed });
  if (others.length > 0) add('reference removed', { refs: refs.filter((r) => r !== others[0]), wantErr: 'ca-path-mismatch' });
  if (self) add('self-reference removed', { refs: others, wantErr: 'ca-path-mismatch' });
  else add('self-reference added', { refs: [...refs, path], wantErr: ca.method === 'text' ? 'ca-self-reference-not-allowed' : source ? 'ca-path-mismatch' : noRefsAllowed });
  for (const i of [0, ca.hash.bytes.length >> 1, ca.hash.bytes.length - 1]) {
    add(`CA hash bit flipped in byte ${i}`, { ca: { ...ca, hash: { ...ca.hash, bytes: flip(ca.hash.bytes, i) } }, wantErr: 'ca-path-mismatch' });
  }
  if (ca.method === 'flat') add('fixed: → fixed:r:', { ca: { ...ca, method: 'nar' }, wantErr: 'ca-path-mismatch' });
  if (ca.method === 'nar') add('fixed:r: → fixed:', { ca: { ...ca, method: 'flat' }, wantErr: refs.length > 0 ? noRefsAllowed : 'ca-path-mismatch' });
  if (ca.method === 'text') add('text: → fixed:r:', { ca: { ...ca, method: 'nar' }, wantErr: 'ca-path-mismatch' });
  if (ca.method !== 'text') {
    add('fixed → text:', { ca: { ...ca, method: 'text' }, wantErr: self ? 'ca-self-reference-not-allowed' : ca.hash.algo === 'sha256' ? 'ca-path-mismatch' : 'ca-invalid' });
  }
  if (ca.hash.algo === 'sha256') {
    add('sha256 relabelled blake3 (same 32 bytes)', {
      ca: { ...ca, hash: { ...ca.hash, algo: 'blake3' } },
      wantErr: ca.method === 'text' ? 'ca-invalid' : refs.length > 0 ? noRefsAllowed : 'ca-path-mismatch',
    });
  }
  if (source && !self) {
    add('NarHash bit flipped (must equal the CA hash)', { narHash: narHashFromBytes(flip(narHashBytes(narHash), 5)), wantErr: 'ca-nar-hash-mismatch' });
  }
  return out;
}

const all = VECTORS.flatMap((v) => cases(v).map((c) => ({ ...c, file: v.file })));

test('the table covers every kind of corruption and every vector', () => {
  assert.ok(all.length > 150, `${all.length} cases`);
  for (const code of ['ca-path-mismatch', 'ca-references-not-allowed', 'ca-self-reference-not-allowed', 'ca-nar-hash-mismatch', 'ca-invalid'] as const) {
    assert.ok(all.some((c) => c.wantErr === code), code);
  }
});

for (const c of all) {
  test(`${c.file}: ${c.desc} → ${c.wantErr}`, () => {
    const r = caProvesPath(c.path, c.ca, c.refs, { allowWeakHashes: true, ...(c.narHash === undefined ? {} : { narHash: c.narHash }) });
    assert.notEqual(r, true);
    assert.ok(r !== true);
    assert.equal(r.code, r.code === c.wantErr ? c.wantErr : `${r.code}: ${r.reason}`, c.desc);
    if (r.code === 'ca-path-mismatch') assert.notEqual(r.computed, c.path);
  });
}

test('an unparsable CA string is a refusal, not an exception', () => {
  const v = VECTORS[0]!;
  const r = caProvesPath(v.info.path, 'fixed:r:sha256:not-a-hash', v.info.references);
  assert.ok(r !== true && r.code === 'ca-invalid');
});

test('a reference outside the store is a refusal', () => {
  const v = VECTORS.find((x) => x.info.ca.startsWith('text:'))!;
  const r = caProvesPath(v.info.path, v.info.ca, ['/gnu/store/9xhcvi1qzwc592r7kch2dr40da1cx078-x' as StorePath]);
  assert.ok(r !== true && r.code === 'ca-invalid', r === true ? '' : r.reason);
});

test('a hand-built ContentAddress is checked like a parsed one', () => {
  const v = VECTORS.find((x) => x.file === 'add.json')!;
  const ca = parseContentAddress(v.info.ca);
  for (const bent of [
    { ...ca, hash: { ...ca.hash, bytes: ca.hash.bytes.slice(1) } },
    { ...ca, hash: { ...ca.hash, algo: 'sha3' } },
    { ...ca, method: 'recursive' },
    { method: 'git', hash: { ...ca.hash, algo: 'sha512', bytes: new Uint8Array(64) } },
  ] as ContentAddress[]) {
    const r = caProvesPath(v.info.path, bent, v.info.references);
    assert.ok(r !== true && r.code === 'ca-invalid', JSON.stringify(bent.method));
  }
});
