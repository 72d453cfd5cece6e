/**
 * Bodies sent with a Content-Encoding, as caches that compress narinfos send them and
 * Nix decodes them. The limit applies to the decoded bytes, so a small bomb cannot
 * grow past it: zlib stops at maxOutputLength; zstd (fzstd, pure JS: Node 20 has no
 * zstd) is first walked frame by frame so no frame may ask for a window over
 * MAX_WINDOW, then decoded as a stream that stops once the limit is passed.
 */
import { createRequire } from 'node:module';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Decompress as ZstdDecompress } from 'fzstd';
import { NetError } from '../ops.ts';

// fzstd loads with the first zstd body, not with every check.
let Decompress: typeof ZstdDecompress | undefined;
const loadZstd = (): typeof ZstdDecompress => (Decompress ??= (createRequire(import.meta.url)('fzstd') as { Decompress: typeof ZstdDecompress }).Decompress);

const MAX_WINDOW = 8 * 1024 * 1024;

export function decodeBody(encoding: string | null, body: Uint8Array, maxBytes: number): Uint8Array {
  const e = (encoding ?? '').trim().toLowerCase();
  if (e === '' || e === 'identity') return body;
  const opts = { maxOutputLength: maxBytes };
  try {
    switch (e) {
      case 'gzip':
      case 'x-gzip':
        return gunzipSync(body, opts);
      case 'deflate':
        return inflateSync(body, opts);
      case 'br':
        return brotliDecompressSync(body, opts);
      case 'zstd':
        return unzstd(body, maxBytes);
    }
  } catch (err) {
    if (err instanceof NetError) throw err;
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge(maxBytes);
    throw new NetError('other', `cannot decode its ${e} Content-Encoding: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  throw new NetError('other', `a Content-Encoding this client cannot decode: ${e}`);
}

function tooLarge(maxBytes: number): NetError {
  return new NetError('too-large', `response body is over ${maxBytes} bytes once decoded`);
}

function unzstd(body: Uint8Array, maxBytes: number): Uint8Array {
  checkWindows(body);
  const parts: Uint8Array[] = [];
  let size = 0;
  const Zstd = loadZstd();
  const d = new Zstd((chunk) => {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    parts.push(chunk);
  });
  d.push(body, true);
  return Buffer.concat(parts);
}

/** Walks every frame's header and blocks (RFC 8878 §3.1) without decoding. */
function checkWindows(b: Uint8Array): void {
  const bad = (why: string) => new NetError('other', `malformed zstd body: ${why}`);
  let at = 0;
  while (at < b.length) {
    if (at + 4 > b.length) throw bad('truncated frame');
    const magic = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      if (at + 8 > b.length) throw bad('truncated skippable frame');
      at += 8 + ((b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16) | (b[at + 7]! << 24)) >>> 0);
      continue;
    }
    if (magic !== 0xfd2fb528) throw bad('not a zstd frame');
    const fhd = b[at + 4] ?? 0;
    const single = (fhd >> 5) & 1;
    const fcsBytes = [single, 2, 4, 8][fhd >> 6] ?? 0;
    const dictBytes = [0, 1, 2, 4][fhd & 3] ?? 0;
    let p = at + 5;
    if (!single) {
      const wd = b[p] ?? 0;
      const base = 1 << (10 + (wd >> 3));
      if (base + (base >> 3) * (wd & 7) > MAX_WINDOW) throw bad('a window over 8 MiB for a small body');
      p += 1;
    }
    p += dictBytes;
    if (single) {
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + (b[p + i] ?? 0);
      if (fcsBytes === 2) fcs += 256;
      if (fcs > MAX_WINDOW) throw bad('a frame over 8 MiB for a small body');
    }
    p += fcsBytes;
    for (let last = 0; !last;) {
      if (p + 3 > b.length) throw bad('truncated block');
      const h = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
      last = h & 1;
      const type = (h >> 1) & 3;
      const size = h >> 3;
      if (type === 3) throw bad('reserved block type');
      p += 3 + (type === 1 ? 1 : size);
    }
    at = p + ((fhd >> 2) & 1 ? 4 : 0);
  }
}
