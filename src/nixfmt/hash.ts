/**
 * Content hashes as they appear in narinfo files and path-info JSON.
 *
 * Nix accepts a hash as "<algo>:<digest>" where the digest is hex, nix32 or
 * base64 (told apart by length), or as SRI "<algo>-<base64>". Nix writes
 * narinfo hashes as "sha256:<nix32>" and Nix >= 2.4 writes JSON hashes as SRI.
 * Example, one sha256 in its four spellings:
 *
 *   sha256:0rnlhm6fhsp6qw748zyfyzw6fp6w9z6yzj32jqzwiww02rhwyzww      (nix32, canonical)
 *   sha256:9c7fcf611680f3c83f9662c8efcd4fdc5c67f8f7ce7f440ec7e66ae84c85d466
 *   sha256:nH/PYRaA88g/lmLI781P3Fxn+PfOf0QOx+Zq6EyF1GY=
 *   sha256-nH/PYRaA88g/lmLI781P3Fxn+PfOf0QOx+Zq6EyF1GY=             (SRI)
 *
 * A NarHash is always the canonical nix32 form, because that exact text is
 * what the narinfo signature fingerprint covers.
 */

import { Buffer } from 'node:buffer';
import { NixFormatError } from './errors.ts';
import { decodeNix32, encodeNix32, nix32Length } from './nix32.ts';

export type NarHash = string & { readonly __brand: 'NarHash' };
/** blake3 is experimental in Nix (≥ 2.27, `blake3-hashes`); it only appears in content addresses. */
export type HashAlgo = 'md5' | 'sha1' | 'sha256' | 'sha512' | 'blake3';
export interface Hash { readonly algo: HashAlgo; readonly bytes: Uint8Array }

export const HASH_SIZE: Readonly<Record<HashAlgo, number>> = { md5: 16, sha1: 20, sha256: 32, sha512: 64, blake3: 32 };
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX_RE = /^[0-9a-fA-F]*$/;

export function isHashAlgo(s: string): s is HashAlgo {
  return Object.hasOwn(HASH_SIZE, s);
}

/** Strict standard base64 (with padding): rejects anything Buffer would silently skip. */
export function decodeBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0 || !BASE64_RE.test(s)) {
    throw new NixFormatError('base64-invalid', 'not canonical padded base64');
  }
  const bytes = Buffer.from(s, 'base64');
  if (bytes.toString('base64') !== s) throw new NixFormatError('base64-invalid', 'not canonical padded base64');
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function bad(s: string, why: string, cause?: unknown): NixFormatError {
  const msg = `bad hash ${JSON.stringify(s.slice(0, 200))}: ${why}`;
  return new NixFormatError('hash-invalid', msg, cause === undefined ? undefined : { cause });
}

function decodeDigest(s: string, digest: string, size: number, sri: boolean): Uint8Array {
  const b64Len = Math.ceil(size / 3) * 4;
  try {
    if (sri) {
      if (digest.length !== b64Len) throw bad(s, `SRI digest must be ${b64Len} base64 chars`);
      return decodeBase64(digest);
    }
    if (digest.length === size * 2 && HEX_RE.test(digest)) return new Uint8Array(Buffer.from(digest, 'hex'));
    if (digest.length === nix32Length(size)) return decodeNix32(digest);
    if (digest.length === b64Len) return decodeBase64(digest);
  } catch (e) {
    throw e instanceof NixFormatError && e.code === 'hash-invalid' ? e : bad(s, 'undecodable digest', e);
  }
  throw bad(s, 'digest length matches no encoding');
}

/** Parse any prefixed hash ("algo:digest" or SRI "algo-base64"). */
export function parseHash(s: string): Hash {
  const m = /^([a-z0-9]+)([:-])(.*)$/s.exec(s);
  if (m === null) throw bad(s, 'expected "<algo>:<digest>" or "<algo>-<base64>"');
  const [, algo = '', sep, digest = ''] = m;
  if (!isHashAlgo(algo)) throw bad(s, `unknown algorithm ${JSON.stringify(algo)}`);
  const bytes = decodeDigest(s, digest, HASH_SIZE[algo], sep === '-');
  if (bytes.length !== HASH_SIZE[algo]) throw bad(s, 'wrong digest size');
  return { algo, bytes };
}

/** Parse an SRI hash "<algo>-<base64>" only (the JSON form of Nix >= 2.4). */
export function parseSriHash(s: string): Hash {
  if (!/^[a-z0-9]+-/.test(s)) throw bad(s, 'expected SRI "<algo>-<base64>"');
  return parseHash(s);
}

/** Lower-case hex of the digest, as Nix prints Base16 (store path hashing, derivation JSON). */
export function hashHex(h: Hash): string {
  return Buffer.from(h.bytes).toString('hex');
}

/** Canonical Nix text form "<algo>:<nix32>". */
export function formatHash(h: Hash): string {
  return `${h.algo}:${encodeNix32(h.bytes)}`;
}

export function parseNarHash(s: string): NarHash {
  const h = parseHash(s);
  if (h.algo !== 'sha256') throw bad(s, 'NarHash must be sha256');
  return formatHash(h) as NarHash;
}

export function narHashFromBytes(bytes: Uint8Array): NarHash {
  if (bytes.length !== 32) throw new NixFormatError('hash-invalid', 'a NarHash is 32 bytes');
  return `sha256:${encodeNix32(bytes)}` as NarHash;
}

export function narHashBytes(h: NarHash): Uint8Array {
  return decodeNix32(h.slice('sha256:'.length));
}

export function narHashToSri(h: NarHash): string {
  return `sha256-${encodeBase64(narHashBytes(h))}`;
}
