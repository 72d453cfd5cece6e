// The fingerprint is what Nix signs. The recorded Sig lines (made by
// `nix store sign` with Nix 2.8) must verify over exactly this string.
import assert from 'node:assert/strict';
import { verify, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { NixFormatError, fingerprint, parseNarInfo, parseStorePath } from '../../src/nixfmt/index.ts';
import type { NarInfo } from '../../src/nixfmt/index.ts';

const DATA = new URL('../data/nix-2.8/', import.meta.url);
const read = (p: string): string => readFileSync(new URL(p, DATA), 'utf8');
const TOP = parseNarInfo(read('cache/2mk5hy75x2b25h13pfppmk1padmmaw32.narinfo'));
const DEP = parseNarInfo(read('cache/9xhcvi1qzwc592r7kch2dr40da1cx078.narinfo'));

test('fingerprints of the recorded narinfos', () => {
  assert.equal(fingerprint(TOP), '1;/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top;'
    + 'sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq;200;'
    + '/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep');
  assert.equal(fingerprint(DEP), '1;/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep;'
    + 'sha256:08bknyn3w8nwxfdiva4zb7whs9yawsf6ws7vzrr6dxswn5lglp27;144;');
});

test('the Sig Nix wrote verifies over our fingerprint with raw node:crypto (no keys.ts involved)', () => {
  for (const [info, sig, pub] of [[TOP, 0, 'a.pub'], [TOP, 1, 'b.pub'], [DEP, 0, 'a.pub'], [DEP, 1, 'b.pub']] as const) {
    const raw = Buffer.from(read(pub).split(':')[1] ?? '', 'base64');
    const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
    const s = Buffer.from(info.sigs[sig]?.split(':')[1] ?? '', 'base64');
    assert.equal(verify(null, Buffer.from(fingerprint(info)), key, s), true);
    assert.equal(verify(null, Buffer.from(fingerprint({ ...info, narSize: info.narSize + 1 })), key, s), false);
  }
});

test('references are sorted and deduplicated; Deriver, URL and compression are not part of it', () => {
  const a = parseStorePath('/nix/store/00000000000000000000000000000000-a');
  const z = parseStorePath('/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-a');
  const fp = fingerprint({ ...TOP, references: [z, a, z] });
  assert.ok(fp.endsWith(`;${a},${z}`), fp);
  const { deriver, ...noDeriver } = TOP;
  assert.ok(deriver !== undefined, 'the recorded narinfo has a Deriver to drop');
  const changed: NarInfo = { ...noDeriver, url: 'elsewhere', compression: 'none' };
  assert.equal(fingerprint(changed), fingerprint(TOP));
});

test('NarSize 0 or non-integer cannot be fingerprinted (Nix refuses too)', () => {
  for (const narSize of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => fingerprint({ ...TOP, narSize }), (e: unknown) =>
      e instanceof NixFormatError && e.code === 'fingerprint-bad-narsize');
  }
});
