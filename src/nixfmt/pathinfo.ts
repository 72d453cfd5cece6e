/**
 * `nix path-info --json` output, in the two shapes Nix has printed.
 *
 * Nix 2.8 (and up to 2.18) prints a list; an unknown path appears as
 * {"path": …, "valid": false}. Nix >= 2.19 prints an object keyed by path, with
 * null for an unknown path. Hashes are SRI in both since Nix 2.4 (Nix <= 2.3
 * printed "sha256:<nix32>"); parseNarHash accepts every spelling. Example
 * (recorded with Nix 2.8, signatures shortened):
 *
 *   [{"path":"/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep",
 *     "narHash":"sha256-R1z6aLFc92Zy/vtobpzmyicN+VmfqB2b69wiPqy3cyE=","narSize":144,
 *     "references":[],"deriver":"/nix/store/6h6y…-nixfmt-dep.drv",
 *     "registrationTime":1795640614,"ultimate":true,"signatures":["nixfmt-test-1:jWZQ…"]}]
 *
 * The newer object shape carries the same facts as
 *   {"/nix/store/9xhc…-nixfmt-dep": {"narHash": "sha256-R1z6…", …, "ca": null}}
 *
 * The "version": 2 entries of Nix >= 2.33 (base-name paths, structured ca) are
 * rejected with code 'path-info-unsupported-version' rather than guessed at.
 */

import { NixFormatError } from './errors.ts';
import { parseNarHash } from './hash.ts';
import type { NarHash } from './hash.ts';
import type { PathFacts } from './facts.ts';
import { parseStorePath } from './storepath.ts';
import type { StorePath } from './storepath.ts';

/** One entry of `nix path-info --json`: the path's facts and its signatures. */
export interface PathInfo extends PathFacts {
  readonly sigs: readonly string[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: string, field: string, why: string, cause?: unknown): NixFormatError {
  return new NixFormatError('path-info-bad-field', `path-info ${path}: ${field} ${why}`,
    cause === undefined ? { field } : { field, cause });
}

function storePathField(path: string, field: string, v: unknown): StorePath {
  if (typeof v !== 'string') throw fail(path, field, 'is not a string');
  try {
    return parseStorePath(v);
  } catch (e) {
    throw fail(path, field, 'is not a store path', e);
  }
}

function stringList(path: string, field: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) {
    throw fail(path, field, 'is not a list of strings');
  }
  return v;
}

function entry(pathText: unknown, e: Obj): PathInfo {
  const path = storePathField(String(pathText), 'path', pathText);
  if (e['version'] !== undefined) {
    throw new NixFormatError('path-info-unsupported-version', `path-info ${path}: version ${String(e['version'])}`);
  }
  let narHash: NarHash;
  try {
    narHash = parseNarHash(typeof e['narHash'] === 'string' ? e['narHash'] : '');
  } catch (cause) {
    throw fail(path, 'narHash', 'is not a sha256 hash', cause);
  }
  const narSize = e['narSize'];
  if (typeof narSize !== 'number' || !Number.isSafeInteger(narSize) || narSize < 0) {
    throw fail(path, 'narSize', 'is not a non-negative integer');
  }
  const references = [...new Set(stringList(path, 'references', e['references'])
    .map((r) => storePathField(path, 'references', r)))].sort();
  const deriver = e['deriver'] ?? undefined;
  const ca = e['ca'] ?? undefined;
  if (ca !== undefined && typeof ca !== 'string') throw fail(path, 'ca', 'is not a string');
  return {
    path, narHash, narSize, references,
    ...(deriver === undefined ? {} : { deriver: storePathField(path, 'deriver', deriver) }),
    ...(ca === undefined || ca === '' ? {} : { ca }),
    sigs: stringList(path, 'signatures', e['signatures']),
  };
}

export function parsePathInfoJson(text: string): PathInfo[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new NixFormatError('path-info-bad-json', 'path-info output is not JSON', { cause });
  }
  const out: PathInfo[] = [];
  if (Array.isArray(doc)) {
    for (const e of doc) {
      if (!isObj(e)) throw new NixFormatError('path-info-bad-shape', 'path-info list entry is not an object');
      if (e['valid'] !== false) out.push(entry(e['path'], e));
    }
  } else if (isObj(doc)) {
    for (const [path, e] of Object.entries(doc)) {
      if (e === null) continue;
      if (!isObj(e)) throw new NixFormatError('path-info-bad-shape', `path-info entry for ${path} is not an object`);
      if (e['path'] !== undefined && e['path'] !== path) throw fail(path, 'path', 'differs from its key');
      if (e['valid'] !== false) out.push(entry(path, e));
    }
  } else {
    throw new NixFormatError('path-info-bad-shape', 'path-info output is neither a list nor an object');
  }
  return out;
}
