// Keys and signatures against what Nix 2.8 wrote (test/data/nix-2.8): the key
// files from --generate-binary-cache-key and the Sig lines from `nix store sign`.
// The corruption table follows transparency-dev/merkle's verify_test.go: each
// case mutates the signed narinfo or the key and states the verdict it must get.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  checkNarInfoSig, fingerprint, generateSecretKey, parseNarInfo, parsePublicKey, parseSecretKey,
  signFingerprint, verifyFingerprintSig,
} from '../../src/nixfmt/index.ts';
import type { PublicKey, SigCheck } from '../../src/nixfmt/index.ts';
import { throwsCode } from './throws.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const TOP_TEXT = read('cache/2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo');
const A = parsePublicKey(read('a.pub'));
const B = parsePublicKey(read('b.pub'));
const A_SIG = /^Sig: nixfmt-test-1:(.*)$/m.exec(TOP_TEXT)?.[1] ?? '';
const B_SIG = /^Sig: nixfmt-test-2:(.*)$/m.exec(TOP_TEXT)?.[1] ?? '';


const edit = (key: string, value: string | null) => (t: string): string =>
  t.replace(new RegExp(`^${key}: .*\\n`, 'm'), value === null ? '' : `${key}: ${value}\n`);
const setSigs = (...sigs: string[]) => (t: string): string =>
  t.replace(/^Sig: .*\n/gm, '') + sigs.map((s) => `Sig: ${s}\n`).join('');
function flip(b64: string, byte: number, bit: number): string {
  const raw = Buffer.from(b64, 'base64');
  raw[byte] = (raw[byte] as number) ^ (1 << bit);
  return raw.toString('base64');
}

test('recorded key files parse; the secret keys derive the recorded public keys', () => {
  assert.equal(A.name, 'nixfmt-test-1');
  assert.equal(A.raw.length, 32);
  assert.equal(A.text, read('a.pub'));
  assert.equal(parseSecretKey(read('a.sec')).publicKey.text, read('a.pub'));
  assert.equal(parseSecretKey(read('b.sec')).publicKey.text, read('b.pub'));
  assert.equal(parsePublicKey(`${read('a.pub')}\n`).text, A.text, 'a trailing newline in a key file is fine');
});

test('signing the recorded fingerprint with the recorded secret key reproduces the Sig Nix wrote', () => {
  const fp = fingerprint(parseNarInfo(TOP_TEXT));
  assert.equal(signFingerprint(fp, parseSecretKey(read('a.sec'))), `nixfmt-test-1:${A_SIG}`);
  assert.equal(signFingerprint(fp, parseSecretKey(read('b.sec'))), `nixfmt-test-2:${B_SIG}`);
});

test('generateSecretKey gives Nix-format keys that sign and verify, and differ each time', () => {
  const g = generateSecretKey('trustix-vote-test-1');
  assert.match(g.secret, /^trustix-vote-test-1:[A-Za-z0-9+/]{86}==$/);
  assert.match(g.public, /^trustix-vote-test-1:[A-Za-z0-9+/]{43}=$/);
  const sk = parseSecretKey(g.secret);
  assert.equal(sk.publicKey.text, g.public);
  const sig = signFingerprint('1;x', sk);
  assert.equal(verifyFingerprintSig('1;x', sig, parsePublicKey(g.public)), true);
  assert.equal(verifyFingerprintSig('1;y', sig, parsePublicKey(g.public)), false);
  assert.equal(verifyFingerprintSig('1;x', sig, A), false);
  assert.notEqual(generateSecretKey('trustix-vote-test-1').secret, g.secret);
  throwsCode(() => generateSecretKey('has space'), 'key-invalid');
  throwsCode(() => generateSecretKey('a:b'), 'key-invalid');
});

const otherKey: PublicKey = { ...B, name: A.name, text: `${A.name}:${Buffer.from(B.raw).toString('base64')}` };
const stranger = parsePublicKey(generateSecretKey('stranger-1').public);
const prefixKey = parsePublicKey(`nixfmt-test:${Buffer.from(A.raw).toString('base64')}`);
const same = (t: string): string => t;

const sigCases: Array<{ desc: string; mutate: (t: string) => string; key: PublicKey; want: SigCheck }> = [
  { desc: 'control: recorded narinfo, key a', mutate: same, key: A, want: 'valid' },
  { desc: 'control: recorded narinfo, key b', mutate: same, key: B, want: 'valid' },
  { desc: 'unsigned fields changed (URL, Compression, FileHash, FileSize, Deriver)', key: A, want: 'valid',
    mutate: (t) => edit('Deriver', null)(edit('FileSize', '1')(edit('FileHash', `sha256:${'0'.repeat(52)}`)(edit('Compression', 'none')(edit('URL', 'nar/evil.nar')(t))))) },
  { desc: 'NarHash respelled as SRI (same hash)', key: A, want: 'valid',
    mutate: edit('NarHash', 'sha256-uKG5NPl34FqX8y2BFlABc3EFSsh1O7krOiFZbkr9spI=') },
  { desc: 'one bad and one good Sig under the same name', key: A, want: 'valid',
    mutate: setSigs(`nixfmt-test-1:${flip(A_SIG, 5, 1)}`, `nixfmt-test-1:${A_SIG}`) },
  ...[[0, 0], [0, 7], [17, 3], [31, 7], [32, 0], [48, 4], [63, 7]].map(([byte = 0, bit = 0]) => ({
    desc: `flipped bit ${bit} of sig byte ${byte}`, key: A, want: 'invalid' as const,
    mutate: setSigs(`nixfmt-test-1:${flip(A_SIG, byte, bit)}`, `nixfmt-test-2:${B_SIG}`),
  })),
  { desc: 'flipped sig of a does not affect b', key: B, want: 'valid',
    mutate: setSigs(`nixfmt-test-1:${flip(A_SIG, 0, 0)}`, `nixfmt-test-2:${B_SIG}`) },
  { desc: 'wrong key: name a, key bytes of b', key: otherKey, want: 'invalid', mutate: same },
  { desc: 'a key whose name no Sig carries', key: stranger, want: 'absent', mutate: same },
  { desc: 'a key named with a prefix of the Sig name', key: prefixKey, want: 'absent', mutate: same },
  { desc: 'swapped key names (a checks b\'s sig)', key: A, want: 'invalid',
    mutate: setSigs(`nixfmt-test-1:${B_SIG}`, `nixfmt-test-2:${A_SIG}`) },
  { desc: 'swapped key names (b checks a\'s sig)', key: B, want: 'invalid',
    mutate: setSigs(`nixfmt-test-1:${B_SIG}`, `nixfmt-test-2:${A_SIG}`) },
  { desc: 'NarSize 200 -> 201', key: A, want: 'invalid', mutate: edit('NarSize', '201') },
  { desc: 'NarSize 200 -> 100', key: B, want: 'invalid', mutate: edit('NarSize', '100') },
  { desc: 'NarHash of another path', key: A, want: 'invalid',
    mutate: edit('NarHash', 'sha256:08bknyn3w8nwxfdiva4zb7whs9yawsf6ws7vzrr6dxswn5lglp27') },
  { desc: 'NarHash last digit changed', key: A, want: 'invalid',
    mutate: edit('NarHash', 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dr') },
  { desc: 'References emptied', key: A, want: 'invalid', mutate: edit('References', '') },
  { desc: 'References gained a path', key: A, want: 'invalid',
    mutate: edit('References', '9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep 2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top') },
  { desc: 'References point at a different dep', key: A, want: 'invalid',
    mutate: edit('References', '9xhcvi1qzwc592r7kch2dr40da1cx079-nixfmt-dep') },
  { desc: 'StorePath of another path', key: A, want: 'invalid',
    mutate: edit('StorePath', '/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep') },
  { desc: 'StorePath: same hash, other name', key: A, want: 'invalid',
    mutate: edit('StorePath', '/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-tip') },
  { desc: 'truncated sig (60 bytes, valid base64)', key: A, want: 'invalid',
    mutate: setSigs(`nixfmt-test-1:${Buffer.from(A_SIG, 'base64').subarray(0, 60).toString('base64')}`) },
  { desc: 'truncated sig (one base64 char dropped)', key: A, want: 'invalid', mutate: setSigs(`nixfmt-test-1:${A_SIG.slice(1)}`) },
  { desc: 'sig with 4 garbage bytes appended', key: A, want: 'invalid',
    mutate: setSigs(`nixfmt-test-1:${Buffer.concat([Buffer.from(A_SIG, 'base64'), Buffer.alloc(4)]).toString('base64')}`) },
  { desc: 'garbage base64', key: A, want: 'invalid', mutate: setSigs('nixfmt-test-1:!!!not*base64!!!') },
  { desc: 'url-safe base64 alphabet', key: A, want: 'invalid',
    mutate: setSigs(`nixfmt-test-1:${Buffer.from(A_SIG, 'base64').toString('base64url')}`) },
  { desc: 'empty sig after the name', key: A, want: 'invalid', mutate: setSigs('nixfmt-test-1:') },
  { desc: 'all-zero 64-byte sig', key: A, want: 'invalid', mutate: setSigs(`nixfmt-test-1:${Buffer.alloc(64).toString('base64')}`) },
  { desc: 'trailing space after sig', key: A, want: 'invalid', mutate: setSigs(`nixfmt-test-1:${A_SIG} `) },
  { desc: 'Sig without a colon', key: A, want: 'absent', mutate: setSigs('nixfmt-test-1') },
  { desc: 'Sig with empty name', key: A, want: 'absent', mutate: setSigs(`:${A_SIG}`) },
  { desc: 'no Sig lines', key: A, want: 'absent', mutate: setSigs() },
  { desc: 'only the other key signed', key: A, want: 'absent', mutate: setSigs(`nixfmt-test-2:${B_SIG}`) },
];
for (const c of sigCases) {
  test(`checkNarInfoSig: ${c.desc} -> ${c.want}`, () => {
    const text = c.mutate(TOP_TEXT);
    if (c.mutate !== same) assert.notEqual(text, TOP_TEXT, 'mutation changed the narinfo');
    assert.equal(checkNarInfoSig(parseNarInfo(text), c.key), c.want);
  });
}

test('a hand-built NarInfo with NarSize 0 is invalid, not an exception', () => {
  assert.equal(checkNarInfoSig({ ...parseNarInfo(TOP_TEXT), narSize: 0 }, A), 'invalid');
});

const aRaw = Buffer.from(A.raw).toString('base64');
const secA = read('a.sec').slice('nixfmt-test-1:'.length);
const badKeys: Array<{ desc: string; parse: (s: string) => unknown; input: string; wantErr: string }> = [
  { desc: 'public: no colon', parse: parsePublicKey, input: aRaw, wantErr: 'key-invalid' },
  { desc: 'public: empty name', parse: parsePublicKey, input: `:${aRaw}`, wantErr: 'key-invalid' },
  { desc: 'public: empty key', parse: parsePublicKey, input: 'nixfmt-test-1:', wantErr: 'key-invalid' },
  { desc: 'public: 31 bytes', parse: parsePublicKey, input: `k:${Buffer.from(A.raw).subarray(1).toString('base64')}`, wantErr: 'key-invalid' },
  { desc: 'public: 33 bytes', parse: parsePublicKey, input: `k:${Buffer.concat([A.raw, Buffer.alloc(1)]).toString('base64')}`, wantErr: 'key-invalid' },
  { desc: 'public: not base64', parse: parsePublicKey, input: 'k:+MU1Xof1RT9DS1t35NQ0NZUBK5R1OHCAFYL36Nj1g5*=', wantErr: 'key-invalid' },
  { desc: 'public: space in name', parse: parsePublicKey, input: `a b:${aRaw}`, wantErr: 'key-invalid' },
  { desc: 'public: a secret key given', parse: parsePublicKey, input: read('a.sec'), wantErr: 'key-invalid' },
  { desc: 'secret: a public key given', parse: parseSecretKey, input: read('a.pub'), wantErr: 'key-invalid' },
  { desc: 'secret: no colon', parse: parseSecretKey, input: secA, wantErr: 'key-invalid' },
  { desc: 'secret: public half is b\'s', parse: parseSecretKey,
    input: `k:${Buffer.concat([Buffer.from(secA, 'base64').subarray(0, 32), B.raw]).toString('base64')}`, wantErr: 'key-mismatch' },
  { desc: 'secret: seed bit flipped', parse: parseSecretKey, input: `k:${flip(secA, 3, 2)}`, wantErr: 'key-mismatch' },
];
for (const c of badKeys) {
  test(`key parse rejects: ${c.desc}`, () => throwsCode(() => c.parse(c.input), c.wantErr));
}
