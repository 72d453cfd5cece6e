/**
 * Does a content address prove a store path? Nix skips signature checks for a path whose
 * claimed CA and references recompute to that very path (ValidPathInfo::isContentAddressed):
 * nobody can choose different contents for it without breaking sha256. caProvesPath is that
 * check, fail-closed, with the reason when it fails.
 *
 * References are full paths as in narinfo/path-info; the path itself among them is the
 * self-reference (allowed for fixed:r:sha256 only). Stricter than Nix in two ways:
 *  - md5 and sha1 addresses prove nothing unless `allowWeakHashes` (collisions are practical);
 *  - given the NarHash, a fixed:r:sha256 path without self-reference must have NarHash equal
 *    to the CA hash (its CA hash *is* the NAR hash), so a narinfo contradicting itself is refused.
 * Example (recorded from Nix 2.8, `nix-store --add tv-ca-added.txt`):
 *
 *   caProvesPath('/nix/store/sfnhvkxgblgj94i8iypw4w8aydps9bng-tv-ca-added.txt',
 *                'fixed:r:sha256:1307xim7znxb5vy9dinki7b8ax33594ag3v0fbmaam7vbddi6d7j', [])  === true
 */

import { checkContentAddress, formatContentAddress, parseContentAddress } from './ca.ts';
import type { ContentAddress } from './ca.ts';
import { isNixFormatError } from './errors.ts';
import type { PathFacts } from './facts.ts';
import { formatHash } from './hash.ts';
import type { NarHash } from './hash.ts';
import { caStorePath } from './makepath.ts';
import { nameOf, storeDirOf } from './storepath.ts';
import type { StorePath } from './storepath.ts';

export type CaRefusalCode =
  | 'ca-absent'                      // caProvesFacts: the facts carry no CA
  | 'ca-invalid'                     // unparsable CA, or a reference outside the store
  | 'ca-weak-hash'                   // md5 / sha1 without allowWeakHashes
  | 'ca-references-not-allowed'      // flat, non-sha256 NAR and git addresses have no references
  | 'ca-self-reference-not-allowed'  // text paths cannot refer to themselves
  | 'ca-path-mismatch'               // recomputed path differs
  | 'ca-nar-hash-mismatch';          // fixed:r:sha256 without self-reference, NarHash ≠ CA hash

export interface CaRefusal {
  readonly code: CaRefusalCode;
  readonly reason: string;
  /** The path the CA and references do determine, when there is one. */
  readonly computed?: StorePath;
}

export interface CaProofOptions {
  readonly narHash?: NarHash;
  readonly allowWeakHashes?: boolean;
}

function refuse(code: CaRefusalCode, reason: string, computed?: StorePath): CaRefusal {
  return computed === undefined ? { code, reason } : { code, reason, computed };
}

export function caProvesPath(
  path: StorePath, ca: string | ContentAddress, references: readonly StorePath[], opts: CaProofOptions = {},
): true | CaRefusal {
  let parsed: ContentAddress;
  try {
    parsed = typeof ca === 'string' ? parseContentAddress(ca) : checkContentAddress(ca);
  } catch (e) {
    return refuse('ca-invalid', isNixFormatError(e) ? e.message : 'unparsable content address');
  }
  const text = formatContentAddress(parsed);
  if (!opts.allowWeakHashes && (parsed.hash.algo === 'md5' || parsed.hash.algo === 'sha1')) {
    return refuse('ca-weak-hash', `${text}: ${parsed.hash.algo} is too weak to prove contents`);
  }
  const self = references.includes(path);
  const others = references.filter((r) => r !== path);
  let computed: StorePath;
  try {
    computed = caStorePath(nameOf(path), parsed, { others, self }, storeDirOf(path));
  } catch (e) {
    if (!isNixFormatError(e)) throw e;
    const code = e.code === 'ca-references-not-allowed' || e.code === 'ca-self-reference-not-allowed' ? e.code : 'ca-invalid';
    return refuse(code, `${text}: ${e.message}`);
  }
  if (computed !== path) {
    return refuse('ca-path-mismatch', `${text} with ${references.length} reference(s) gives ${computed}, not ${path}`, computed);
  }
  if (opts.narHash !== undefined && parsed.method === 'nar' && parsed.hash.algo === 'sha256' && !self
    && opts.narHash !== formatHash(parsed.hash)) {
    return refuse('ca-nar-hash-mismatch', `${text}: NarHash ${opts.narHash} differs from the content hash`, computed);
  }
  return true;
}

/** caProvesPath over a narinfo, a path-info entry or a claim: its path, ca, references and NarHash. */
export function caProvesFacts(facts: PathFacts, opts: Omit<CaProofOptions, 'narHash'> = {}): true | CaRefusal {
  if (facts.ca === undefined) return refuse('ca-absent', `${facts.path} claims no content address`);
  return caProvesPath(facts.path, facts.ca, facts.references, { ...opts, narHash: facts.narHash });
}
