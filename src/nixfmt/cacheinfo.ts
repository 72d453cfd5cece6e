/**
 * nix-cache-info: the file at the root of a binary cache.
 *
 * Lines of "Key: value"; Nix (BinaryCacheStore::init) reads StoreDir,
 * WantMassQuery ("1" = true) and Priority (integer, lower wins), trims values
 * and skips lines without a colon or with unknown keys. A missing StoreDir
 * means the default store. Example (as Trustix's binary-cache-proxy serves it):
 *
 *   StoreDir: /nix/store
 *   WantMassQuery: 1
 *   Priority: 40
 *
 * `nix copy --to file://…` writes only the StoreDir line.
 */

import { NixFormatError } from './errors.ts';
import { DEFAULT_STORE_DIR } from './storepath.ts';

export interface CacheInfo { readonly storeDir: string; readonly wantMassQuery: boolean; readonly priority?: number }

export const MAX_CACHE_INFO_BYTES = 64 * 1024;

const STORE_DIR_RE = /^(\/[^/\0\s]+)+$/;
const INT_RE = /^-?(0|[1-9][0-9]{0,8})$/;

export function parseCacheInfo(text: string): CacheInfo {
  if (text.length > MAX_CACHE_INFO_BYTES) {
    throw new NixFormatError('cache-info-too-long', `nix-cache-info is over ${MAX_CACHE_INFO_BYTES} bytes`);
  }
  const seen = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    if (key !== 'StoreDir' && key !== 'WantMassQuery' && key !== 'Priority') continue;
    if (seen.has(key)) throw new NixFormatError('cache-info-duplicate-field', `nix-cache-info has ${key} twice`, { field: key });
    seen.set(key, line.slice(colon + 1).trim());
  }
  const storeDir = seen.get('StoreDir') ?? DEFAULT_STORE_DIR;
  if (!STORE_DIR_RE.test(storeDir)) {
    throw new NixFormatError('cache-info-bad-field', `bad StoreDir ${JSON.stringify(storeDir)}`, { field: 'StoreDir' });
  }
  const prio = seen.get('Priority');
  if (prio !== undefined && !INT_RE.test(prio)) {
    throw new NixFormatError('cache-info-bad-field', `bad Priority ${JSON.stringify(prio)}`, { field: 'Priority' });
  }
  return {
    storeDir,
    wantMassQuery: seen.get('WantMassQuery') === '1',
    ...(prio === undefined ? {} : { priority: Number(prio) }),
  };
}

export function formatCacheInfo(info: CacheInfo): string {
  if (!STORE_DIR_RE.test(info.storeDir)) throw new NixFormatError('cache-info-bad-field', 'bad StoreDir', { field: 'StoreDir' });
  let out = `StoreDir: ${info.storeDir}\nWantMassQuery: ${info.wantMassQuery ? 1 : 0}\n`;
  if (info.priority !== undefined) {
    if (!Number.isSafeInteger(info.priority)) throw new NixFormatError('cache-info-bad-field', 'bad Priority', { field: 'Priority' });
    out += `Priority: ${info.priority}\n`;
  }
  return out;
}
