/**
 * One store object's entry in `nix path-info --json`, in each spelling Nix has used
 * (the shapes around it are in pathinfo.ts):
 *
 *   format 1 (Nix 2.8 … newest with --json-format 1): full paths, ca a string, signatures strings;
 *            Nix >= 2.33 adds "version": 1 and "storeDir".
 *   format 2 (Nix >= 2.33, --json-format 2): base-name paths, ca {"method","hash"}.
 *   format 3 (Nix >= 2.35, --json-format 3): as 2, signatures [{"keyName","sig"}].
 *
 * Every hash is SRI in JSON since Nix 2.4 (parseNarHash takes every spelling); the result is
 * the same PathInfo for all three. Example, the same fact in formats 1 and 2:
 *
 *   "references": ["/nix/store/klpd…-tv-ca-fod-rec"], "ca": "fixed:r:sha256:1j8p…"
 *   "references": ["klpd…-tv-ca-fod-rec"], "ca": {"method": "nar", "hash": "sha256-5fqq…"}
 */

import { contentAddressFromJson, formatContentAddress, parseContentAddress } from './ca.ts';
import { NixFormatError } from './errors.ts';
import type { PathFacts } from './facts.ts';
import { parseNarHash } from './hash.ts';
import type { NarHash } from './hash.ts';
import { parseStorePath, storePathFromBaseName } from './storepath.ts';
import type { StorePath } from './storepath.ts';

/** One entry of `nix path-info --json`: the path's facts (ca in canonical narinfo text) and its signatures. */
export interface PathInfo extends PathFacts {
  readonly sigs: readonly string[];
}

export type Obj = Record<string, unknown>;
export type EntryFormat = 1 | 2 | 3;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function fail(path: string, field: string, why: string, cause?: unknown): NixFormatError {
  return new NixFormatError('path-info-bad-field', `path-info ${path}: ${field} ${why}`,
    cause === undefined ? { field } : { field, cause });
}

export function pathField(at: string, field: string, v: unknown, format: EntryFormat, storeDir: string): StorePath {
  if (typeof v !== 'string') throw fail(at, field, 'is not a string');
  try {
    return format === 1 ? parseStorePath(v, storeDir) : storePathFromBaseName(v, storeDir);
  } catch (e) {
    throw fail(at, field, format === 1 ? 'is not a full store path' : `is not a store path base name (format ${format})`, e);
  }
}

function stringList(at: string, field: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw fail(at, field, 'is not a list of strings');
  return v;
}

function signatures(at: string, v: unknown, format: EntryFormat): string[] {
  if (format !== 3) return stringList(at, 'signatures', v);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw fail(at, 'signatures', 'is not a list');
  return v.map((s) => {
    if (!isObj(s) || typeof s['keyName'] !== 'string' || typeof s['sig'] !== 'string' || s['keyName'] === '') {
      throw fail(at, 'signatures', 'entry is not {"keyName", "sig"} (format 3)');
    }
    return `${s['keyName']}:${s['sig']}`;
  });
}

function caField(at: string, v: unknown, format: EntryFormat): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  try {
    if (format === 1) {
      if (typeof v !== 'string') throw fail(at, 'ca', 'is not a string (format 1)');
      return formatContentAddress(parseContentAddress(v));
    }
    return formatContentAddress(contentAddressFromJson(v));
  } catch (e) {
    throw e instanceof NixFormatError && e.code === 'path-info-bad-field' ? e : fail(at, 'ca', 'is not a content address', e);
  }
}

function narHashField(at: string, v: unknown): NarHash {
  if (isObj(v)) throw fail(at, 'narHash', 'is a structured hash object (unreleased Nix 2.33 development builds); expected SRI');
  try {
    return parseNarHash(typeof v === 'string' ? v : '');
  } catch (cause) {
    throw fail(at, 'narHash', 'is not a sha256 hash', cause);
  }
}

/** Parse one entry whose path is already known (from the list's "path" or the object's key). */
export function pathInfoEntry(path: StorePath, e: Obj, format: EntryFormat, storeDir: string): PathInfo {
  const version = e['version'];
  if (version !== undefined && version !== format) {
    throw new NixFormatError('path-info-unsupported-version',
      `path-info ${path}: entry has "version": ${JSON.stringify(version)} where format ${format} was expected`, { field: 'version' });
  }
  if (e['storeDir'] !== undefined && e['storeDir'] !== storeDir) {
    throw new NixFormatError('path-info-store-dir-mismatch', `path-info ${path}: storeDir ${JSON.stringify(e['storeDir'])} is not ${storeDir}`, { field: 'storeDir' });
  }
  const narSize = e['narSize'];
  if (typeof narSize !== 'number' || !Number.isSafeInteger(narSize) || narSize < 0) throw fail(path, 'narSize', 'is not a non-negative integer');
  const references = [...new Set(stringList(path, 'references', e['references'])
    .map((r) => pathField(path, 'references', r, format, storeDir)))].sort();
  const deriver = e['deriver'] ?? undefined;
  const ca = caField(path, e['ca'], format);
  return {
    path, narHash: narHashField(path, e['narHash']), narSize, references,
    ...(deriver === undefined ? {} : { deriver: pathField(path, 'deriver', deriver, format, storeDir) }),
    ...(ca === undefined ? {} : { ca }),
    sigs: signatures(path, e['signatures'], format),
  };
}
