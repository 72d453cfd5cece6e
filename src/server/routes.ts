/**
 * The whole route table. Paths are validated here, before any lookup: a hash part
 * is exactly 32 nix32 characters, a NAR name carries its path's hash part, the
 * voted NarHash (52 nix32 characters) and the index of the upstream it comes from.
 *
 *   GET        /nix-cache-info
 *   GET, HEAD  /<hashPart>.narinfo
 *   GET, HEAD  /nar/<hashPart>-<narHash>-<upstream>.nar[.xz|.zst|.bz2|.gz|.br|.lz4|.lzip]
 *   GET        /metrics, /health, /report
 *
 * The first three also answer under /policy/<name>/ for a named policy, a
 * substituter URL of its own (http://127.0.0.1:37515/policy/strict).
 */
const N32 = '[0-9a-df-np-sv-z]';
const NARINFO = new RegExp(`^/(${N32}{32})\\.narinfo$`);
const NAR = new RegExp(`^/nar/(${N32}{32})-(${N32}{52})-(\\d{1,3})\\.nar(\\.(?:xz|zst|bz2|gz|br|lz4|lzip))?$`);

const POLICY = /^\/policy\/([A-Za-z0-9][A-Za-z0-9._-]{0,63})(\/.*)$/;

/** `policy` is '' for the default policy. */
export type Route =
  | { readonly kind: 'cache-info'; readonly policy: string }
  | { readonly kind: 'narinfo'; readonly policy: string; readonly hashPart: string }
  | { readonly kind: 'nar'; readonly policy: string; readonly hashPart: string; readonly narHash: string; readonly upstream: number }
  | { readonly kind: 'metrics' }
  | { readonly kind: 'health' }
  | { readonly kind: 'report' };

export type Routed = { readonly route: Route } | { readonly status: 404 | 405 };

export function route(method: string, pathname: string): Routed {
  const found = match(pathname);
  if (found === undefined) return { status: 404 };
  const headOk = found.kind === 'narinfo' || found.kind === 'nar' || found.kind === 'cache-info';
  if (method !== 'GET' && !(method === 'HEAD' && headOk)) return { status: 405 };
  return { route: found };
}

function match(pathname: string): Route | undefined {
  if (pathname === '/metrics') return { kind: 'metrics' };
  if (pathname === '/health') return { kind: 'health' };
  if (pathname === '/report') return { kind: 'report' };
  const named = POLICY.exec(pathname);
  return named?.[1] !== undefined && named[2] !== undefined ? cacheRoute(named[1], named[2]) : cacheRoute('', pathname);
}

/** The binary-cache routes, under the root or a policy's prefix. */
function cacheRoute(policy: string, pathname: string): Route | undefined {
  if (pathname === '/nix-cache-info') return { kind: 'cache-info', policy };
  const ni = NARINFO.exec(pathname);
  if (ni?.[1] !== undefined) return { kind: 'narinfo', policy, hashPart: ni[1] };
  const nar = NAR.exec(pathname);
  if (nar?.[1] !== undefined && nar[2] !== undefined && nar[3] !== undefined) {
    return { kind: 'nar', policy, hashPart: nar[1], narHash: `sha256:${nar[2]}`, upstream: Number(nar[3]) };
  }
  return undefined;
}

const EXTENSIONS: Record<string, string> = { none: '', xz: '.xz', zstd: '.zst', bzip2: '.bz2', gzip: '.gz', br: '.br', lz4: '.lz4', lzip: '.lzip' };

/** The NAR URL this server puts in a narinfo (relative, as Nix expects). */
export function narUrl(hashPart: string, narHash: string, upstream: number, compression: string): string {
  return `nar/${hashPart}-${narHash.slice('sha256:'.length)}-${upstream}.nar${EXTENSIONS[compression] ?? ''}`;
}
