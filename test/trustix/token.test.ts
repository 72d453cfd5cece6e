// auth.json: write-token files, the signed text and the exact Trustix-Token header
// for three procedures; a header verifies for its own procedure only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROCEDURES, TOKEN_HEADER, TrustixError, parsePublicToken, parseWriteToken, tokenHeader, verifyTokenHeader } from '../../src/trustix/index.ts';
import { b64, loadVectors, toHex } from '../merkle/data.ts';
import { signerFromSeed } from './sign.ts';
import { trustixErrorOf } from './throws.ts';

interface Auth {
  token_seed_hex: string; private_token_file: string; public_token: string;
  cases: Array<{
    procedure: string; signed_message_utf8: string; signature_b64: string; header_name: string; header_value: string;
    verifies_with_public_token: boolean; verifies_with_token_derived_from_private_file: boolean; verifies_for_other_procedure: boolean;
  }>;
}
const V = loadVectors<Auth>('auth.json');
const TOKEN = parseWriteToken(V.private_token_file);
const PUBLIC = parsePublicToken(V.public_token);

test('auth token files: the private file holds the seed and derives the public token', () => {
  assert.equal(TOKEN.name, 'default');
  assert.equal(toHex(b64(V.private_token_file.slice('default:'.length)).subarray(0, 32)), V.token_seed_hex);
  assert.equal(`${TOKEN.name}:${TOKEN.key.base64}`, V.public_token);
  assert.deepEqual(PUBLIC, { name: 'default', key: signerFromSeed(V.token_seed_hex).key });
  assert.deepEqual(parsePublicToken(`${V.public_token}\n`), PUBLIC);
});

test('auth cases: the exact header Go sends, verified for its procedure and for no other', () => {
  assert.equal(V.cases.length, 3);
  const paths = Object.values(PROCEDURES).map((p) => p.path);
  for (const c of V.cases) {
    assert.ok(paths.includes(c.procedure));
    assert.equal(c.header_name, TOKEN_HEADER);
    assert.equal(c.signed_message_utf8, `${TOKEN.name}:${c.procedure}`);
    assert.equal(tokenHeader(TOKEN, c.procedure), c.header_value);
    assert.equal((JSON.parse(c.header_value) as { sig: string }).sig, c.signature_b64);
    assert.ok(c.verifies_with_public_token && c.verifies_with_token_derived_from_private_file && !c.verifies_for_other_procedure);
    assert.equal(verifyTokenHeader(c.header_value, [PUBLIC], c.procedure), 'default');
    assert.equal(verifyTokenHeader(c.header_value, [TOKEN], c.procedure), 'default');
    for (const other of V.cases.filter((o) => o !== c)) trustixErrorOf(() => verifyTokenHeader(c.header_value, [PUBLIC], other.procedure), 'bad-token');
  }
});

test('token corruption table', () => {
  const c = V.cases[0]!;
  const sig = c.signature_b64;
  const flipped = `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
  const other = parsePublicToken(`default:${signerFromSeed('22'.repeat(32)).key.base64}`);
  for (const [desc, value, tokens, code] of [
    ['signature changed', `{"name":"default","sig":"${flipped}"}`, [PUBLIC], 'bad-token'],
    ['unknown name', `{"name":"other","sig":"${sig}"}`, [PUBLIC], 'bad-token'],
    ['wrong signer under the same name', c.header_value, [other], 'bad-token'],
    ['signature of 63 bytes', `{"name":"default","sig":"${Buffer.from(b64(sig).subarray(1)).toString('base64')}"}`, [PUBLIC], 'bad-token'],
    ['not JSON', 'default:abc', [PUBLIC], 'malformed'],
    ['no sig', '{"name":"default"}', [PUBLIC], 'malformed'],
    ['sig not a string', '{"name":"default","sig":1}', [PUBLIC], 'malformed'],
  ] as const) {
    assert.throws(() => verifyTokenHeader(value, tokens, c.procedure), (e: unknown) => e instanceof TrustixError && e.code === code, desc);
  }
  const raw = b64(V.private_token_file.slice('default:'.length));
  raw[40] = raw[40]! ^ 1;
  for (const bad of [`default:${Buffer.from(raw).toString('base64')}`, ':abc', 'default', `default:${V.public_token.slice(8)}`]) {
    trustixErrorOf(() => parseWriteToken(bad), 'malformed');
  }
  trustixErrorOf(() => parsePublicToken('nocolon'), 'malformed');
});
