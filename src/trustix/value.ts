/**
 * The value a Nix Trustix log stores for a store path (trustix-nix createKVPair):
 * `nix path-info --json` cut down to four fields and re-encoded by Go:
 *
 *   {"path":"/nix/store/…-hello-2.12.1","narHash":"sha256-vGjl…46Y=","narSize":1000,
 *    "references":["/nix/store/…-glibc-2.38-44", …]}
 *
 * References are full store paths, sorted, `null` when Nix printed none. narHash is
 * whatever Nix printed (SRI from Nix 2.4 on, sha256:<nix32> before); we turn it
 * into the canonical NarHash. The log commits only to SHA-256 of these bytes, so
 * decodeValue first checks that digest, then that the value is for the path it
 * was looked up under, and only then parses it.
 */

import { equalBytes, sha256, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { parseNarHash, parseStorePath } from '../nixfmt/index.ts';
import type { PathFacts, StorePath } from '../nixfmt/index.ts';
import { TrustixError, malformed } from './errors.ts';
import { goJsonString } from './gojson.ts';

/** The facts a Trustix value holds: nixfmt's path facts without deriver and ca. */
export type TrustixValue = Omit<PathFacts, 'deriver' | 'ca'>;

export class ValueDigestMismatchError extends TrustixError {
  readonly expected: Uint8Array;
  readonly computed: Hash;

  constructor(expected: Uint8Array, computed: Hash) {
    super('value-digest-mismatch', `value hashes to ${toHex(computed)}, the log committed to ${toHex(expected).slice(0, 64)}`);
    this.name = 'ValueDigestMismatchError';
    this.expected = expected;
    this.computed = computed;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function field<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (cause) {
    throw malformed(`value ${what} is invalid`, cause);
  }
}

export function decodeValue(bytes: Uint8Array, expect: { readonly digest: Uint8Array; readonly path: StorePath }): TrustixValue {
  const computed = sha256(bytes);
  if (!equalBytes(computed, expect.digest)) throw new ValueDigestMismatchError(expect.digest, computed);
  const doc = field('JSON', () => JSON.parse(utf8.decode(bytes)) as unknown);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw malformed('value is not a JSON object');
  const o = doc as Record<string, unknown>;
  const path = field('path', () => parseStorePath(typeof o['path'] === 'string' ? o['path'] : ''));
  if (path !== expect.path) throw new TrustixError('value-path-mismatch', `value describes ${path.slice(0, 300)}, not ${expect.path}`);
  const narHash = field('narHash', () => parseNarHash(typeof o['narHash'] === 'string' ? o['narHash'] : ''));
  const narSize = o['narSize'];
  if (typeof narSize !== 'number' || !Number.isSafeInteger(narSize) || narSize < 0) throw malformed('value narSize is not a size');
  const refs = o['references'] ?? [];
  if (!Array.isArray(refs)) throw malformed('value references is not a list');
  const references = field('references', () => [...new Set(refs.map((r: unknown) => parseStorePath(typeof r === 'string' ? r : '')))].sort());
  return { path, narHash, narSize, references };
}

/** What trustix-nix submits, byte for byte: narHash verbatim, references sorted, null when absent. */
export function encodeValue(v: { readonly path: string; readonly narHash: string; readonly narSize: number; readonly references: readonly string[] | null }): Uint8Array {
  if (!Number.isSafeInteger(v.narSize) || v.narSize < 0) throw malformed(`narSize ${v.narSize} is not a size`);
  const refs = v.references === null ? 'null' : `[${[...v.references].sort().map(goJsonString).join(',')}]`;
  return new TextEncoder().encode(`{"path":${goJsonString(v.path)},"narHash":${goJsonString(v.narHash)},"narSize":${v.narSize},"references":${refs}}`);
}
