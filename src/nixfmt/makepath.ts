/**
 * Computing store paths the way Nix does (libstore/store-dir-config.cc; store-api.cc in 2.8).
 *
 *   makeStorePath(type, hash, name)
 *     = storeDir + "/" + nix32(compress20(sha256("<type>:<algo>:<hex>:<storeDir>:<name>"))) + "-" + name
 *
 * where compress20 folds the 32-byte digest into 20 bytes by XOR (byte i goes to i mod 20).
 * The type carries the references: "<base>:<full path of each reference, sorted>[:self]".
 *
 *   text  (builtins.toFile)           makeStorePath("text:<refs>", sha256 of the file, name); no self
 *   nar + sha256 (`nix-store --add`)  makeStorePath("source:<refs>[:self]", NAR sha256, name)
 *   anything else (flat, nar with another algorithm, git)
 *                                     makeStorePath("output:out", sha256("fixed:out:<r:|git:|><algo>:<hex>:"), name),
 *                                     and no references at all
 *
 * Worked example, recorded from Nix 2.8 (`nix-store --add-fixed sha256 tv-ca-file.txt`):
 *   CA    fixed:sha256:183m796ks791lsw2mnh62hzkval6k6rrfi6rwxx7hvhfwggm0djc  (hex 4c3650df…4d3a75a0)
 *   inner sha256("fixed:out:sha256:4c3650df…4d3a75a0:")  = 6e9c4e8b…3d4e3194
 *   path  sha256("output:out:sha256:6e9c4e8b…3d4e3194:/nix/store:tv-ca-file.txt"), folded to 20 bytes
 *         = /nix/store/dn9av0yry1mq26w9j7s4hxf4phcw5988-tv-ca-file.txt
 */

import { createHash } from 'node:crypto';
import type { ContentAddress } from './ca.ts';
import { NixFormatError } from './errors.ts';
import { hashHex } from './hash.ts';
import type { Hash } from './hash.ts';
import { encodeNix32 } from './nix32.ts';
import { DEFAULT_STORE_DIR, storePathFromBaseName } from './storepath.ts';
import type { StorePath } from './storepath.ts';

/** A store object's references as Nix hashes them: other paths, plus a flag for itself. */
export interface CaReferences { readonly others: readonly StorePath[]; readonly self: boolean }

export const NO_REFERENCES: CaReferences = { others: [], self: false };

function sha256(text: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(text, 'utf8').digest());
}

/** Nix's compressHash: XOR-fold a digest into `size` bytes. */
export function compressHash(digest: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  digest.forEach((b, i) => { out[i % size] = (out[i % size] as number) ^ b; });
  return out;
}

export function makeStorePath(type: string, hash: Hash, name: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  const s = `${type}:${hash.algo}:${hashHex(hash)}:${storeDir}:${name}`;
  return storePathFromBaseName(`${encodeNix32(compressHash(sha256(s), 20))}-${name}`, storeDir);
}

function makeType(base: string, refs: CaReferences, storeDir: string): string {
  const others = [...new Set(refs.others)].sort();
  for (const r of others) {
    if (!r.startsWith(storeDir + '/')) throw new NixFormatError('ca-invalid', `reference ${r} is not in ${storeDir}`);
  }
  return [base, ...others, ...(refs.self ? ['self'] : [])].join(':');
}

/** builtins.toFile and .drv files: the text type with references; a self-reference is impossible. */
export function makeTextPath(name: string, hash: Hash, refs: readonly StorePath[], storeDir: string = DEFAULT_STORE_DIR): StorePath {
  if (hash.algo !== 'sha256') throw new NixFormatError('ca-invalid', 'text paths are hashed with sha256');
  return makeStorePath(makeType('text', { others: refs, self: false }, storeDir), hash, name, storeDir);
}

/** Fixed-output paths: "source" for NAR+sha256 (references allowed), else "output:out" (none allowed). */
export function makeFixedOutputPath(
  name: string, method: 'flat' | 'nar' | 'git', hash: Hash, refs: CaReferences = NO_REFERENCES, storeDir: string = DEFAULT_STORE_DIR,
): StorePath {
  if (method === 'nar' && hash.algo === 'sha256') return makeStorePath(makeType('source', refs, storeDir), hash, name, storeDir);
  if (refs.self || refs.others.length > 0) {
    throw new NixFormatError('ca-references-not-allowed',
      `a fixed:${method === 'flat' ? '' : method === 'nar' ? 'r:' : 'git:'}${hash.algo} path cannot have references`);
  }
  const prefix = method === 'nar' ? 'r:' : method === 'git' ? 'git:' : '';
  const inner: Hash = { algo: 'sha256', bytes: sha256(`fixed:out:${prefix}${hash.algo}:${hashHex(hash)}:`) };
  return makeStorePath('output:out', inner, name, storeDir);
}

/** The store path a content address and its references determine (Nix's makeFixedOutputPathFromCA). */
export function caStorePath(name: string, ca: ContentAddress, refs: CaReferences = NO_REFERENCES, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  if (ca.method === 'text') {
    if (refs.self) throw new NixFormatError('ca-self-reference-not-allowed', 'a text path cannot refer to itself');
    return makeTextPath(name, ca.hash, refs.others, storeDir);
  }
  return makeFixedOutputPath(name, ca.method, ca.hash, refs, storeDir);
}
