/**
 * Where a narinfo's `URL:` points. Usually relative to the cache ("nar/<filehash>.nar.xz",
 * sometimes with a query, "nar/….nar?hash=…"); it may also be absolute. Nix 2.8 … 2.31 fetch
 * an "http://", "https://" or "file://" URL as is and append anything else to "<cache>/";
 * Nix >= 2.32 resolves it per RFC 3986 against "<cache>/". Both agree on the forms accepted here:
 *
 *   resolveNarUrl('https://cache.example.org', 'nar/1xza….nar.xz')
 *     = 'https://cache.example.org/nar/1xza….nar.xz'
 *   resolveNarUrl('https://cache.example.org', 'https://mirror.example.net/nar/1xza….nar.xz')
 *     = 'https://mirror.example.net/nar/1xza….nar.xz'
 *
 * Refused (NixFormatError 'nar-url-unsupported'): absolute URLs other than http(s) — file:// would
 * let a remote narinfo name a local file — and relative URLs the two rules resolve differently
 * (a leading "/", "." or ".." segments, "//", a backslash).
 */

import { NixFormatError } from './errors.ts';

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function refuse(url: string, why: string): NixFormatError {
  return new NixFormatError('nar-url-unsupported', `narinfo URL ${JSON.stringify(url.slice(0, 300))}: ${why}`, { field: 'URL' });
}

export function isAbsoluteNarUrl(url: string): boolean {
  return SCHEME_RE.test(url);
}

/** The URL to fetch a NAR from, given the cache's base URL and the narinfo's URL field. */
export function resolveNarUrl(cacheUrl: string, url: string): string {
  if (url === '' || /[\s\\]/.test(url)) throw refuse(url, 'empty, or has whitespace or a backslash');
  if (isAbsoluteNarUrl(url)) {
    let u: URL;
    try {
      u = new URL(url);
    } catch (cause) {
      throw new NixFormatError('nar-url-unsupported', `narinfo URL ${JSON.stringify(url.slice(0, 300))}: not a URL`, { cause, field: 'URL' });
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw refuse(url, `scheme ${u.protocol} is not fetched`);
    return u.href;
  }
  const path = url.split(/[?#]/, 1)[0] ?? '';
  if (path.startsWith('/') || path.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
    throw refuse(url, 'old and new Nix resolve this relative form differently');
  }
  return `${cacheUrl.replace(/\/+$/, '')}/${url}`;
}
