/**
 * `nix path-info --json`, in every shape Nix has printed (entries: pathinfo-entry.ts):
 *
 *   Nix 2.8 … 2.18   a list; an unknown path is {"path": …, "valid": false}
 *   Nix 2.19 … 2.32  an object keyed by full path; an unknown path maps to null
 *   Nix >= 2.33      --json-format 1 (the default): the same object, entries add "version": 1, "storeDir"
 *                    --json-format 2 / 3: {"version": 2|3, "storeDir": …, "info": {<base name>: entry|null}}
 *
 * Example (recorded with Nix 2.8, signatures shortened):
 *
 *   [{"path":"/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep",
 *     "narHash":"sha256-R1z6aLFc92Zy/vtobpzmyicN+VmfqB2b69wiPqy3cyE=","narSize":144,
 *     "references":[],"deriver":"/nix/store/6h6y…-nixfmt-dep.drv",
 *     "registrationTime":1795640614,"ultimate":true,"signatures":["nixfmt-test-1:jWZQ…"]}]
 *
 * and with Nix >= 2.33 --json-format 2 (from the manual's Store Object Info v2 schema):
 *
 *   {"version":2,"storeDir":"/nix/store","info":{"9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep":
 *     {"version":2,"storeDir":"/nix/store","narHash":"sha256-R1z6…","narSize":144,"references":[],
 *      "ca":null,"deriver":"6h6y…-nixfmt-dep.drv",…}}}
 *
 * A top-level "version" this parser does not know, a storeDir other than the caller's, or an entry
 * whose fields are spelled for another format is a NixFormatError, never a guess.
 */

import { NixFormatError } from './errors.ts';
import { fail, isObj, pathField, pathInfoEntry } from './pathinfo-entry.ts';
import type { EntryFormat, Obj, PathInfo } from './pathinfo-entry.ts';
import { DEFAULT_STORE_DIR } from './storepath.ts';

export type { PathInfo } from './pathinfo-entry.ts';

/** The highest `--json-format` this parser knows (Nix 2.35). */
export const NEWEST_PATH_INFO_FORMAT = 3;

function shape(why: string): NixFormatError {
  return new NixFormatError('path-info-bad-shape', `path-info output: ${why}`);
}

function keyed(doc: Obj, format: EntryFormat, storeDir: string): PathInfo[] {
  const out: PathInfo[] = [];
  for (const [key, e] of Object.entries(doc)) {
    const path = pathField(key, 'key', key, format, storeDir);
    if (e === null) continue;
    if (!isObj(e)) throw shape(`entry for ${key} is not an object`);
    if (e['path'] !== undefined && e['path'] !== key) throw fail(key, 'path', 'differs from its key');
    if (e['valid'] !== false) out.push(pathInfoEntry(path, e, format, storeDir));
  }
  return out;
}

function versioned(doc: Obj, storeDir: string): PathInfo[] {
  const v = doc['version'];
  if (v !== 2 && v !== 3) {
    throw new NixFormatError('path-info-unsupported-version',
      `path-info output has "version": ${JSON.stringify(v)}; this parser knows Nix's --json-format 1 to ${NEWEST_PATH_INFO_FORMAT} (Nix 2.8 … 2.35)`,
      { field: 'version' });
  }
  if (doc['storeDir'] !== storeDir) {
    throw new NixFormatError('path-info-store-dir-mismatch', `path-info output: storeDir ${JSON.stringify(doc['storeDir'])} is not ${storeDir}`, { field: 'storeDir' });
  }
  if (!isObj(doc['info'])) throw shape(`version ${v} output has no "info" object`);
  return keyed(doc['info'], v, storeDir);
}

export function parsePathInfoJson(text: string, storeDir: string = DEFAULT_STORE_DIR): PathInfo[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new NixFormatError('path-info-bad-json', 'path-info output is not JSON', { cause });
  }
  if (Array.isArray(doc)) {
    const out: PathInfo[] = [];
    for (const e of doc) {
      if (!isObj(e)) throw shape('list entry is not an object');
      const path = pathField(String(e['path']), 'path', e['path'], 1, storeDir);
      if (e['valid'] !== false) out.push(pathInfoEntry(path, e, 1, storeDir));
    }
    return out;
  }
  if (!isObj(doc)) throw shape('neither a list nor an object');
  // Keys of the unversioned object are store paths, so a "version" key means the wrapper.
  return 'version' in doc ? versioned(doc, storeDir) : keyed(doc, 1, storeDir);
}
