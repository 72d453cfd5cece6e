/**
 * Content addresses: the `CA:` line of a narinfo and the `ca` field of path-info JSON.
 *
 * Text form (libstore/content-address.cc), "<prefix><algo>:<digest>":
 *
 *   text:sha256:<d>        builtins.toFile, derivations' .drv files   method 'text' (sha256 only)
 *   fixed:sha256:<d>       `nix-store --add-fixed sha256`, flat FODs  method 'flat' (any algorithm)
 *   fixed:r:sha256:<d>     `nix-store --add`, recursive FODs, CA drvs method 'nar'  (any algorithm)
 *   fixed:git:sha1:<d>     experimental git hashing (Nix >= 2.21)     method 'git'  (sha1, sha256)
 *
 * Nix prints the digest in nix32 and accepts hex, nix32 or base64. Nix >= 2.33 also writes a
 * structured form in JSON ("Store Object Info" v2/v3, derivation JSON v4):
 * {"method": "nar", "hash": "sha256-<base64>"}. Both parse to one value and format back to the
 * canonical text. Example, recorded from Nix 2.8 (`nix-store --add-fixed --recursive sha256`):
 *
 *   fixed:r:sha256:0xd4yhha49pvf0kiw13ic8m8ncvvi9q6x01vj3rmj0lmgqfji7f6
 *   = { method: 'nar', hash: { algo: 'sha256', bytes: <32 bytes> } }
 */

import { NixFormatError } from './errors.ts';
import { HASH_SIZE, formatHash, isHashAlgo, parseHash, parseSriHash } from './hash.ts';
import type { Hash } from './hash.ts';

export type CaMethod = 'text' | 'flat' | 'nar' | 'git';
export interface ContentAddress { readonly method: CaMethod; readonly hash: Hash }

const PREFIX: Readonly<Record<CaMethod, string>> = { text: 'text:', flat: 'fixed:', nar: 'fixed:r:', git: 'fixed:git:' };
const METHODS: readonly CaMethod[] = ['text', 'flat', 'nar', 'git'];

function bad(s: string, why: string, cause?: unknown): NixFormatError {
  return new NixFormatError('ca-invalid', `bad content address ${JSON.stringify(s.slice(0, 200))}: ${why}`,
    cause === undefined ? undefined : { cause });
}

function checked(s: string, method: CaMethod, hash: Hash): ContentAddress {
  if (method === 'text' && hash.algo !== 'sha256') throw bad(s, 'text content addresses use sha256');
  if (method === 'git' && hash.algo !== 'sha1' && hash.algo !== 'sha256') throw bad(s, 'git content addresses use sha1 or sha256');
  return { method, hash };
}

/** Check a ContentAddress built elsewhere against the rules the parsers apply. */
export function checkContentAddress(ca: ContentAddress): ContentAddress {
  if (!isCaMethod(ca.method)) throw bad(String(ca.method), 'unknown method');
  if (!isHashAlgo(ca.hash.algo) || ca.hash.bytes.length !== HASH_SIZE[ca.hash.algo]) {
    throw bad(String(ca.hash.algo), 'unknown algorithm or wrong digest size');
  }
  return checked(formatContentAddress(ca), ca.method, ca.hash);
}

export function isCaMethod(s: string): s is CaMethod {
  return (METHODS as readonly string[]).includes(s);
}

/** Parse the text form ("fixed:r:sha256:<nix32>", …). The digest may be hex, nix32 or base64. */
export function parseContentAddress(s: string): ContentAddress {
  const m = /^(text:|fixed:(?:r:|git:)?)([a-z0-9]+:.*)$/s.exec(s);
  if (m === null) throw bad(s, 'expected "text:", "fixed:", "fixed:r:" or "fixed:git:" and "<algo>:<digest>"');
  const [, prefix = '', rest = ''] = m;
  const method = METHODS.find((k) => PREFIX[k] === prefix) as CaMethod;
  let hash: Hash;
  try {
    hash = parseHash(rest);
  } catch (e) {
    throw bad(s, 'bad hash', e);
  }
  return checked(s, method, hash);
}

/** The canonical text form Nix writes: prefix, algorithm, nix32 digest. */
export function formatContentAddress(ca: ContentAddress): string {
  return PREFIX[ca.method] + formatHash(ca.hash);
}

/** The structured JSON form of Nix >= 2.33: {"method": "flat"|"nar"|"text"|"git", "hash": SRI}. */
export function contentAddressFromJson(v: unknown): ContentAddress {
  const text = JSON.stringify(v) ?? String(v);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(text, 'expected {"method", "hash"}');
  const { method, hash, ...rest } = v as Record<string, unknown>;
  if (Object.keys(rest).length > 0) throw bad(text, `unexpected fields ${Object.keys(rest).join(', ')}`);
  if (typeof method !== 'string' || !isCaMethod(method)) throw bad(text, 'method is not flat, nar, text or git');
  if (typeof hash !== 'string') {
    throw bad(text, 'hash is not an SRI string (the {algorithm, format, hash} object of unreleased Nix 2.33 development builds is not supported)');
  }
  let h: Hash;
  try {
    h = parseSriHash(hash);
  } catch (e) {
    throw bad(text, 'bad hash', e);
  }
  return checked(text, method, h);
}
