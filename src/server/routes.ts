/**
 * The whole route table. Paths are validated here, before any lookup: a hash part
 * is exactly 32 nix32 characters, a NAR name carries its path's hash part, the
 * voted NarHash (52 nix32 characters) and the index of the upstream it comes from.
 *
 *   GET        /nix-cache-info
 *   GET, HEAD  /<hashPart>.narinfo
 *   GET, HEAD  /nar/<hashPart>-<narHash>-<upstream>.nar[.xz|.zst|.bz2|.gz|.br|.lz4|.lzip]
 *   GET        /metrics, /health, /report
 */
const N32 = '[0-9a-df-np-sv-z]';
const NARINFO = new RegExp(`^/(${N32}{32})\\.narinfo$`);
const NAR = new RegExp(`^/nar/(${N32}{32})-(${N32}{52})-(\\d{1,3})\\.nar(\\.(?:xz|zst|bz2|gz|br|lz4|lzip))?$`);

export type Route =
  | { readonly kind: 'cache-info' }
  | { readonly kind: 'narinfo'; readonly hashPart: string }
  | { readonly kind: 'nar'; readonly hashPart: string; readonly narHash: string; readonly upstream: number }
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
  if (pathname === '/nix-cache-info') return { kind: 'cache-info' };
  if (pathname === '/metrics') return { kind: 'metrics' };
  if (pathname === '/health') return { kind: 'health' };
  if (pathname === '/report') return { kind: 'report' };
  const ni = NARINFO.exec(pathname);
  if (ni?.[1] !== undefined) return { kind: 'narinfo', hashPart: ni[1] };
  const nar = NAR.exec(pathname);
  if (nar?.[1] !== undefined && nar[2] !== undefined && nar[3] !== undefined) {
    return { kind: 'nar', hashPart: nar[1], narHash: `sha256:${nar[2]}`, upstream: Number(nar[3]) };
  }
  return undefined;
}

const EXTENSIONS: Record<string, string> = { none: '', xz: '.xz', zstd: '.zst', bzip2: '.bz2', gzip: '.gz', br: '.br', lz4: '.lz4', lzip: '.lzip' };

/** The NAR URL this server puts in a narinfo (relative, as Nix expects). */
export function narUrl(hashPart: string, narHash: string, upstream: number, compression: string): string {
  return `nar/${hashPart}-${narHash.slice('sha256:'.length)}-${upstream}.nar${EXTENSIONS[compression] ?? ''}`;
}
