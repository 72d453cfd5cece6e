// Cross-checks against test/data/trustix/nix.json, generated from the original Go
// code (Trustix, binary-cache-proxy) and copied into this repo byte for byte (see the
// README there), so these tests always run.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  NixFormatError, checkNarInfoSig, decodeNix32, encodeNix32, fingerprint, formatCacheInfo, parseCacheInfo,
  parseNarHash, parseNarInfo, parsePathInfoJson, parsePublicKey, parseSecretKey, signFingerprint, verifyFingerprintSig,
} from '../../src/nixfmt/index.ts';

interface ProxyCase {
  trustix_fingerprint_utf8: string; nix_expected_fingerprint_utf8: string; signature_b64: string;
  narinfo_response_body: string; signature_valid_for_nix_fingerprint: boolean;
}
interface NixVectors {
  nix32_examples: Array<{ bytes_hex: string; nix32: string; sri?: string }>;
  store_hash_to_key: { hash_part: string; nix32_decoded_hash_hex: string };
  binary_cache_proxy: {
    cache_key_seed_hex: string; cache_private_key_file: string; cache_public_key: string; nix_cache_info_body: string;
    narinfo_with_nix32_narhash: ProxyCase; narinfo_with_sri_narhash: ProxyCase;
  };
  narinfo_value: { cases: Array<{ label: string; result: { path_info_json: string; value_utf8?: string; error?: string } }> };
}

const vectors = JSON.parse(readFileSync(new URL('../data/trustix/nix.json', import.meta.url), 'utf8')) as NixVectors;

function vtest(name: string, fn: (v: NixVectors) => void): void {
  test(name, () => fn(vectors));
}

/** The proxy writes References as full paths; Nix (and we) need base names. */
function withBaseNameRefs(body: string): string {
  return body.replace(/^References: (.*)$/m, (_, refs: string) =>
    `References: ${refs.split(' ').map((r) => r.replace(/^\/nix\/store\//, '')).join(' ')}`);
}

vtest('nix32_examples encode, decode and match their SRI form', (v) => {
  assert.ok(v.nix32_examples.length >= 2);
  for (const ex of v.nix32_examples) {
    const bytes = new Uint8Array(Buffer.from(ex.bytes_hex, 'hex'));
    assert.equal(encodeNix32(bytes), ex.nix32);
    assert.deepEqual(decodeNix32(ex.nix32), bytes);
    if (ex.sri !== undefined) assert.equal(parseNarHash(ex.sri), `sha256:${ex.nix32}`);
  }
});

vtest('store_hash_to_key: the nix32 decoding of a 20-byte hash part', (v) => {
  const k = v.store_hash_to_key;
  assert.equal(Buffer.from(decodeNix32(k.hash_part)).toString('hex'), k.nix32_decoded_hash_hex);
});

vtest('binary_cache_proxy key pair: secret key file derives the public key and holds the seed', (v) => {
  const p = v.binary_cache_proxy;
  const sk = parseSecretKey(p.cache_private_key_file);
  assert.equal(sk.publicKey.text, p.cache_public_key);
  assert.equal(parsePublicKey(p.cache_public_key).text, p.cache_public_key);
  const raw = Buffer.from(p.cache_private_key_file.slice(p.cache_private_key_file.indexOf(':') + 1), 'base64');
  assert.equal(raw.subarray(0, 32).toString('hex'), p.cache_key_seed_hex);
});

vtest('binary_cache_proxy nix-cache-info body round-trips', (v) => {
  const body = v.binary_cache_proxy.nix_cache_info_body;
  assert.deepEqual(parseCacheInfo(body), { storeDir: '/nix/store', wantMassQuery: true, priority: 40 });
  assert.equal(formatCacheInfo(parseCacheInfo(body)), body);
});

vtest('binary_cache_proxy narinfo bodies list References as full paths, which Nix and parseNarInfo reject', (v) => {
  for (const c of [v.binary_cache_proxy.narinfo_with_nix32_narhash, v.binary_cache_proxy.narinfo_with_sri_narhash]) {
    assert.throws(() => parseNarInfo(c.narinfo_response_body), (e: unknown) =>
      e instanceof NixFormatError && e.code === 'narinfo-bad-field' && e.field === 'References');
  }
});

for (const which of ['narinfo_with_nix32_narhash', 'narinfo_with_sri_narhash'] as const) {
  vtest(`binary_cache_proxy ${which}: our fingerprint is Nix's, and the Go signature verifies iff it covers it`, (v) => {
    const p = v.binary_cache_proxy;
    const c = p[which];
    const key = parsePublicKey(p.cache_public_key);
    const info = parseNarInfo(withBaseNameRefs(c.narinfo_response_body));
    assert.equal(fingerprint(info), c.nix_expected_fingerprint_utf8);
    const sig = `${key.name}:${c.signature_b64}`;
    assert.deepEqual(info.sigs, [sig]);
    assert.equal(verifyFingerprintSig(c.trustix_fingerprint_utf8, sig, key), true, 'Go signed the trustix fingerprint');
    assert.equal(checkNarInfoSig(info, key), c.signature_valid_for_nix_fingerprint ? 'valid' : 'invalid');
    const ours = signFingerprint(c.trustix_fingerprint_utf8, parseSecretKey(p.cache_private_key_file));
    assert.equal(ours, sig, 'ed25519 is deterministic: same key and message give the Go signature');
  });
}

vtest('narinfo_value path-info JSON: every shape parses to the same canonical facts', (v) => {
  const nix32 = 'sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww';
  assert.ok(v.narinfo_value.cases.length >= 5);
  for (const { label, result } of v.narinfo_value.cases) {
    const [info, ...rest] = parsePathInfoJson(result.path_info_json);
    assert.equal(rest.length, 0, label);
    assert.equal(info?.narHash, nix32, label);
    assert.equal(info?.path, '/nix/store/klb734wsziwk309g9m48g3x2nms18vnj-hello-2.12.1', label);
    if (result.value_utf8 !== undefined) {
      const value = JSON.parse(result.value_utf8) as { references: string[] | null; narSize: number };
      assert.deepEqual(info?.references, value.references ?? [], label);
      assert.equal(info?.narSize, value.narSize, label);
    }
  }
});
