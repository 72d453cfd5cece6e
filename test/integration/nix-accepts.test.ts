// Proof against real Nix that what signFingerprint/formatNarInfo produce is what
// Nix accepts: re-sign the recorded narinfos (test/data/nix-2.8/cache) with a
// freshly generated key, serve them as a file:// cache next to the recorded NAR
// files, and `nix copy --from` it into a throw-away chroot store with
// require-sigs. Controls: the same cache under another trusted key, a flipped
// signature bit, and a signature over the SRI-spelled fingerprint must all be
// refused. Needs `nix` (2.8 was used) on PATH; skips otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { TestContext } from 'node:test';
import {
  baseNameOf, checkNarInfoSig, fingerprint, formatNarInfo, generateSecretKey, narHashToSri, parseNarInfo,
  parsePublicKey, parseSecretKey, signFingerprint,
} from '../../src/nixfmt/index.ts';
import type { NarInfo } from '../../src/nixfmt/index.ts';

const CACHE = new URL('../data/nix-2.8/cache/', import.meta.url);
const HASHES = ['2mk5hy75x2b25h13pfppmk1padmmaw32', '9xhcvi1qzwc592r7kch2dr40da1cx078'];
const RECORDED = HASHES.map((h) => parseNarInfo(readFileSync(new URL(`${h}.narinfo`, CACHE), 'utf8')));
const TOP = RECORDED[0] as NarInfo;

const probe = spawnSync('nix', ['--version'], { encoding: 'utf8' });
const noNix = probe.error === undefined ? '' : `nix is not on PATH (${probe.error.message}); real-Nix acceptance not checked`;
const key = generateSecretKey('trustix-vote-nixfmt-accept-1');
const sk = parseSecretKey(key.secret);
let dir = '';

before(() => {
  if (noNix === '') dir = mkdtempSync(join(tmpdir(), 'nixfmt-accept-'));
});
after(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** A file:// cache holding the recorded NARs and narinfos whose Sig lines come from `sign`. */
function makeCache(name: string, sign: (info: NarInfo) => string): string {
  const cache = join(dir, name);
  cpSync(CACHE, cache, { recursive: true });
  for (const [i, info] of RECORDED.entries()) {
    writeFileSync(join(cache, `${HASHES[i]}.narinfo`), formatNarInfo({ ...info, sigs: [sign(info)] }));
  }
  return cache;
}

/** `nix copy --from file://cache` of nixfmt-top (and so its dependency) into a new chroot store. */
function nixCopy(cache: string, trusted: string, root: string): { status: number | null; stderr: string } {
  const NIX_CONFIG = [
    'experimental-features = nix-command', 'sandbox = false', 'build-users-group =', 'substituters =',
    'require-sigs = true', `trusted-public-keys = ${trusted}`,
    'narinfo-cache-negative-ttl = 0', 'narinfo-cache-positive-ttl = 0',
  ].join('\n');
  const r = spawnSync('nix', ['copy', '--from', `file://${cache}`, '--to', join(dir, root), TOP.path], {
    encoding: 'utf8', timeout: 120_000, env: { ...process.env, NIX_CONFIG, XDG_CACHE_HOME: join(dir, `xdg-${root}`) },
  });
  return { status: r.status, stderr: r.stderr };
}

const inRoot = (root: string, info: NarInfo): boolean => existsSync(join(dir, root, 'nix/store', baseNameOf(info.path)));

function skipWithoutNix(t: TestContext): boolean {
  if (noNix !== '') t.skip(noNix);
  return noNix !== '';
}

test('Nix accepts narinfos signed by signFingerprint under a key from generateSecretKey', (t) => {
  if (skipWithoutNix(t)) return;
  const cache = makeCache('good', (info) => signFingerprint(fingerprint(info), sk));
  const r = nixCopy(cache, key.public, 'root-good');
  assert.equal(r.status, 0, r.stderr);
  for (const info of RECORDED) assert.ok(inRoot('root-good', info), `${info.path} was copied`);
});

test('control: Nix refuses the same cache when it trusts a different key', (t) => {
  if (skipWithoutNix(t)) return;
  const cache = makeCache('other-key', (info) => signFingerprint(fingerprint(info), sk));
  const r = nixCopy(cache, generateSecretKey('trustix-vote-nixfmt-other-1').public, 'root-other');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /lacks a valid signature/);
  assert.equal(inRoot('root-other', TOP), false);
});

test('control: Nix refuses a signature with one flipped bit, and so does checkNarInfoSig', (t) => {
  if (skipWithoutNix(t)) return;
  const flipped = (info: NarInfo): string => {
    const [name, b64 = ''] = signFingerprint(fingerprint(info), sk).split(':');
    const raw = Buffer.from(b64, 'base64');
    raw[10] = (raw[10] as number) ^ 0x04;
    return `${name}:${raw.toString('base64')}`;
  };
  assert.equal(checkNarInfoSig({ ...TOP, sigs: [flipped(TOP)] }, parsePublicKey(key.public)), 'invalid');
  const r = nixCopy(makeCache('flipped', flipped), key.public, 'root-flipped');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /lacks a valid signature/);
});

test('control: a signature over the SRI-spelled fingerprint (as Trustix signs) is refused by Nix and by us', (t) => {
  if (skipWithoutNix(t)) return;
  const sriSig = (info: NarInfo): string => signFingerprint(fingerprint(info).replace(info.narHash, narHashToSri(info.narHash)), sk);
  assert.equal(checkNarInfoSig({ ...TOP, sigs: [sriSig(TOP)] }, parsePublicKey(key.public)), 'invalid');
  const r = nixCopy(makeCache('sri', sriSig), key.public, 'root-sri');
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /lacks a valid signature/);
});
