// nix.json narinfo_value: the value trustix-nix submits, rebuilt byte for byte from
// each `nix path-info --json` shape, and read back with its digest and path checked;
// then the checks a client makes on a value a log serves.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../src/merkle/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { TrustixError, ValueDigestMismatchError, decodeValue, encodeValue } from '../../src/trustix/index.ts';
import { b64, flip, hex, loadVectors, toB64, toHex, utf8 } from '../merkle/data.ts';
import { trustixErrorOf } from './throws.ts';

interface Nix {
  narinfo_value: { cases: Array<{ label: string; result: { path_info_json: string; key_utf8?: string; key_hex?: string; value_utf8?: string; value_b64?: string; value_digest_hex?: string; error?: string } }> };
  store_hash_to_key: { store_path: string; post_build_hook_key_hex: string; binary_cache_proxy_decide_key_hex: string; nix32_decoded_hash_hex: string };
}
const V = loadVectors<Nix>('nix.json');
const PATH = '/nix/store/klb734wsziwk309g9m48g3x2nms18vnj-hello-2.12.1' as StorePath;
const NIX32 = 'sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww';

test('narinfo_value: Go\'s bytes rebuilt from path-info JSON, then decoded to canonical facts', () => {
  const cases = V.narinfo_value.cases.filter((c) => c.result.value_utf8 !== undefined);
  assert.equal(cases.length, 4);
  for (const { label, result: r } of cases) {
    const [info] = JSON.parse(r.path_info_json) as Array<{ path: string; narHash: string; narSize: number; references?: string[] }>;
    const bytes = encodeValue({ path: info!.path, narHash: info!.narHash, narSize: info!.narSize, references: info!.references ?? null });
    assert.equal(new TextDecoder().decode(bytes), r.value_utf8, label);
    assert.equal(toB64(bytes), r.value_b64, label);
    assert.equal(toHex(sha256(bytes)), r.value_digest_hex, label);
    assert.equal(r.key_utf8, info!.path);
    assert.deepEqual(hex(r.key_hex!), utf8(info!.path), 'the key is the store path\'s bytes');
    const v = decodeValue(bytes, { digest: hex(r.value_digest_hex!), path: PATH });
    assert.equal(v.path, PATH);
    assert.equal(v.narHash, NIX32, `${label}: both spellings give the canonical NarHash`);
    assert.equal(v.narSize, info!.narSize);
    assert.deepEqual(v.references, [...(info!.references ?? [])].sort());
  }
});

test('narinfo_value from Nix >= 2.19 (an object, which trustix-nix cannot submit) is no value', () => {
  const c = V.narinfo_value.cases.find((x) => x.result.error !== undefined)!;
  assert.match(c.result.error!, /cannot unmarshal object/);
  const bytes = utf8(c.result.path_info_json);
  trustixErrorOf(() => decodeValue(bytes, { digest: sha256(bytes), path: PATH }), 'malformed');
});

test('store_hash_to_key: a Nix log\'s key is the full store path; the proxy\'s 20-byte key is neither that nor nix32', () => {
  const k = V.store_hash_to_key;
  assert.equal(k.store_path, PATH);
  assert.equal(k.post_build_hook_key_hex, toHex(utf8(PATH)));
  assert.notEqual(k.binary_cache_proxy_decide_key_hex, k.nix32_decoded_hash_hex);
});

test('e2e GetValue answers decode; wire.json\'s placeholder value is malformed', () => {
  const e2e = loadVectors<{ map_values_at_final_root: Array<{ key_utf8: string; MapEntry_Digest_hex: string; GetValue_value_utf8: string }> }>('e2e_log.json');
  for (const m of e2e.map_values_at_final_root) {
    const v = decodeValue(utf8(m.GetValue_value_utf8), { digest: hex(m.MapEntry_Digest_hex), path: m.key_utf8 as StorePath });
    assert.equal(v.path, m.key_utf8);
    assert.match(v.narHash, /^sha256:[0-9a-z]{52}$/);
  }
  const wire = loadVectors<{ rpcs: Record<string, { request: { protojson: string }; response: { protojson: string } }> }>('wire.json');
  const value = b64((JSON.parse(wire.rpcs['NodeAPI.GetValue']!.response.protojson) as { Value: string }).Value);
  const digest = b64((JSON.parse(wire.rpcs['NodeAPI.GetValue']!.request.protojson) as { Digest: string }).Digest);
  assert.equal(toHex(sha256(value)), toHex(digest));
  trustixErrorOf(() => decodeValue(value, { digest, path: PATH }), 'malformed');
});

test('value corruption table: the digest is checked first, then the path, then each field', () => {
  const good = { path: PATH, narHash: 'sha256-nH/PYRaA88g/lmLI781P3Fxn+PfOf0QOx+Zq6EyF1GY=', narSize: 42, references: [PATH] };
  const bytes = encodeValue(good);
  const digest = sha256(bytes);
  assert.deepEqual(decodeValue(bytes, { digest, path: PATH }).references, [PATH]);
  const e = trustixErrorOf(() => decodeValue(bytes, { digest: flip(digest), path: PATH }), 'value-digest-mismatch', ValueDigestMismatchError);
  assert.deepEqual(e.computed, digest);
  trustixErrorOf(() => decodeValue(Uint8Array.of(...bytes, 0x20), { digest, path: PATH }), 'value-digest-mismatch', ValueDigestMismatchError);
  trustixErrorOf(() => decodeValue(bytes, { digest: digest.subarray(1), path: PATH }), 'value-digest-mismatch', ValueDigestMismatchError);
  trustixErrorOf(() => decodeValue(bytes, { digest, path: `${PATH}-dev` as StorePath }), 'value-path-mismatch');
  const fields: Array<[string, unknown]> = [
    ['path', 'hello'], ['path', null], ['narHash', 'md5:abc'], ['narHash', 'sha256-AAAA'], ['narHash', 7], ['narSize', -1],
    ['narSize', 1.5], ['narSize', '42'], ['narSize', 2 ** 53], ['references', 'x'], ['references', ['/nix/store/x']], ['references', [1]],
  ];
  for (const [field, value] of fields) {
    const b = utf8(JSON.stringify({ ...good, [field]: value }));
    assert.throws(() => decodeValue(b, { digest: sha256(b), path: PATH }), (x: unknown) => x instanceof TrustixError && x.code === 'malformed', `${field}: ${JSON.stringify(value)}`);
  }
  for (const b of [utf8('[]'), utf8('null'), utf8('{'), Uint8Array.of(0xff, 0xfe), new Uint8Array()]) {
    trustixErrorOf(() => decodeValue(b, { digest: sha256(b), path: PATH }), 'malformed');
  }
  const dup = utf8(JSON.stringify({ ...good, references: [PATH, PATH], extra: true }));
  assert.deepEqual(decodeValue(dup, { digest: sha256(dup), path: PATH }).references, [PATH], 'duplicates merge; unknown fields are ignored as Go does');
});

test('encodeValue writes strings as Go does (<, >, & and U+2028 escaped) and refuses a bad size', () => {
  assert.equal(new TextDecoder().decode(encodeValue({ path: 'a<b>&\u2028', narHash: 'h', narSize: 0, references: [] })),
    '{"path":"a\\u003cb\\u003e\\u0026\\u2028","narHash":"h","narSize":0,"references":[]}');
  trustixErrorOf(() => encodeValue({ path: PATH, narHash: 'h', narSize: -1, references: null }), 'malformed');
});
