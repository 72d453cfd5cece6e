/**
 * Store paths: "<storeDir>/<hash part>-<name>".
 *
 * The hash part is 32 nix32 characters (20 bytes, alphabet without e/o/t/u).
 * The name is 1..211 characters from [A-Za-z0-9+\-._?=] and must not start
 * with '.'. These are the checks of Nix's StorePath constructor and checkName
 * (libstore/path.cc); in addition we require the '-' separator. Example:
 *
 *   /nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep
 *   hash part "9xhcvi1qzwc592r7kch2dr40da1cx078", name "nixfmt-dep",
 *   base name "9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep"
 *
 * narinfo files write references and the deriver as base names; everything
 * else (StorePath, fingerprints, path-info JSON) uses full paths.
 */

import { NixFormatError } from './errors.ts';

export type StorePath = string & { readonly __brand: 'StorePath' };
export type HashPart = string & { readonly __brand: 'HashPart' };

export const DEFAULT_STORE_DIR = '/nix/store';
export const HASH_PART_LENGTH = 32;
export const MAX_NAME_LENGTH = 211;

const HASH_PART_RE = /^[0-9a-df-np-sv-z]{32}$/;
const NAME_RE = /^[A-Za-z0-9+\-._?=]+$/;
const STORE_DIR_RE = /^(\/[^/\0]+)+$/;

function bad(code: string, what: string, s: string): NixFormatError {
  return new NixFormatError(code, `${what}: ${JSON.stringify(s.slice(0, 300))}`);
}

export function parseHashPart(s: string): HashPart {
  if (!HASH_PART_RE.test(s)) throw bad('store-path-bad-hash', 'not a 32-char nix32 hash part', s);
  return s as HashPart;
}

function checkStoreDir(storeDir: string): void {
  if (!STORE_DIR_RE.test(storeDir)) {
    throw bad('store-dir-invalid', 'store dir must be absolute without a trailing slash', storeDir);
  }
}

function checkBaseName(base: string): void {
  if (base.length < HASH_PART_LENGTH + 2 || base[HASH_PART_LENGTH] !== '-') {
    throw bad('store-path-bad-basename', 'expected "<32-char hash>-<name>"', base);
  }
  parseHashPart(base.slice(0, HASH_PART_LENGTH));
  const name = base.slice(HASH_PART_LENGTH + 1);
  if (name.length > MAX_NAME_LENGTH) throw bad('store-path-bad-name', `name longer than ${MAX_NAME_LENGTH}`, base);
  if (name.startsWith('.')) throw bad('store-path-bad-name', "name starts with '.'", base);
  if (!NAME_RE.test(name)) throw bad('store-path-bad-name', 'name has an illegal character', base);
}

export function parseStorePath(s: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  checkStoreDir(storeDir);
  if (!s.startsWith(storeDir + '/')) throw bad('store-path-not-in-store', `not in ${storeDir}`, s);
  checkBaseName(s.slice(storeDir.length + 1));
  return s as StorePath;
}

export function storePathFromBaseName(base: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  checkStoreDir(storeDir);
  checkBaseName(base);
  return `${storeDir}/${base}` as StorePath;
}

export function baseNameOf(p: StorePath): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function storeDirOf(p: StorePath): string {
  return p.slice(0, p.lastIndexOf('/'));
}

export function hashPartOf(p: StorePath): HashPart {
  return baseNameOf(p).slice(0, HASH_PART_LENGTH) as HashPart;
}

export function nameOf(p: StorePath): string {
  return baseNameOf(p).slice(HASH_PART_LENGTH + 1);
}

export function isDerivation(p: StorePath): boolean {
  return p.endsWith('.drv');
}
