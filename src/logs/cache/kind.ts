/**
 * Kind `binary-cache`: an HTTP binary cache and the key its builder signs with.
 *
 *   [log.cache-a]
 *   kind = binary-cache
 *   url = http://127.0.0.1:8081      ; no query string or fragment
 *   key = cache-a-1:BASE64=
 *
 * GET <url>/<hashPart>.narinfo →
 *   200 + narinfo signed by this log's key, for the asked path → vote
 *   404/403/410                                             → miss (not-found)
 *   a narinfo signed only by other keys (a copy)            → miss (other-key)
 *   bad signature, malformed, wrong path                    → fault
 * Network trouble, 5xx and timeouts become faults in ../limits.ts.
 */
import { parsePublicKey, type PublicKey } from '../../nixfmt/index.ts';
import type { LogKind } from '../types.ts';
import { createCacheSource } from './source.ts';

export interface CacheSettings {
  readonly url: string;
  readonly key: PublicKey;
}

export const binaryCache: LogKind<CacheSettings> = {
  kind: 'binary-cache',
  keys: ['url', 'key'],
  parse(r) {
    const url = r.required('url', cacheUrl);
    const key = r.required('key', (v) => parsePublicKey(v));
    return { settings: { url, key }, identity: key.raw, upstream: url };
  },
  create: (cfg, ctx) => createCacheSource(cfg, ctx),
};

/** An http(s) URL without trailing slashes; a query or fragment would turn every answer into a miss. */
export function cacheUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error(`"${v}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`"${v}" is not an http(s) URL`);
  if (u.search !== '' || u.hash !== '' || v.includes('?') || v.includes('#')) {
    throw new Error(`"${v}" has a query or fragment; a binary cache URL is a base that <hash>.narinfo is appended to`);
  }
  if (u.username !== '' || u.password !== '') throw new Error(`"${v}" holds credentials; they would be sent to every request and shown in messages`);
  return v.replace(/\/+$/, '');
}
