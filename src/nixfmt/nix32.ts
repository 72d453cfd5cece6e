/**
 * Nix's own base32 ("nix32"), used for store path hash parts and for
 * "sha256:<52 chars>" hashes.
 *
 * It is NOT RFC 4648 base32: the alphabet omits e, o, t and u
 * ("0123456789abcdfghijklmnpqrsvwxyz"), and the string is the byte array read
 * as one little-endian number, printed most significant 5-bit digit first.
 * An n-byte value has ceil(8n / 5) digits, so 20 bytes give 32 chars and
 * 32 bytes give 52 chars. Example: sha256("") is
 *
 *   e3b0c442...7852b855  (hex)  ->  0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73
 *
 * Decoding rejects strings whose length is not an encoded length and strings
 * whose top digit carries bits beyond the last byte (Nix rejects those too),
 * so every accepted string has exactly one byte form.
 */

import { NixFormatError } from './errors.ts';

export const NIX32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

const DIGIT = new Map<string, number>([...NIX32_ALPHABET].map((c, i) => [c, i]));

/** Number of nix32 characters needed for `byteLength` bytes. */
export function nix32Length(byteLength: number): number {
  return Math.ceil((byteLength * 8) / 5);
}

/**
 * Built from char codes in one go: `out += c` makes a rope of one node per character
 * past the 13th (~1.3 KB for a 52-character hash), and hashes are kept by the thousand.
 */
export function encodeNix32(bytes: Uint8Array): string {
  const len = nix32Length(bytes.length);
  const codes = new Array<number>(len);
  for (let n = len - 1, k = 0; n >= 0; n--, k++) {
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    const lo = (bytes[i] ?? 0) >> j;
    const hi = (bytes[i + 1] ?? 0) << (8 - j);
    codes[k] = NIX32_ALPHABET.charCodeAt((lo | hi) & 0x1f);
  }
  return String.fromCharCode(...codes);
}

export function decodeNix32(s: string): Uint8Array {
  const size = Math.floor((s.length * 5) / 8);
  if (nix32Length(size) !== s.length) {
    throw new NixFormatError('nix32-bad-length', `nix32 string has non-canonical length ${s.length}`);
  }
  const out = new Uint8Array(size);
  for (let n = 0; n < s.length; n++) {
    const c = s[s.length - n - 1] as string;
    const digit = DIGIT.get(c);
    if (digit === undefined) {
      throw new NixFormatError('nix32-bad-char', `invalid nix32 character ${JSON.stringify(c)}`);
    }
    const b = n * 5;
    const i = b >> 3;
    const j = b & 7;
    out[i] = (out[i] as number) | ((digit << j) & 0xff);
    const carry = digit >> (8 - j);
    if (i + 1 < size) {
      out[i + 1] = (out[i + 1] as number) | carry;
    } else if (carry !== 0) {
      throw new NixFormatError('nix32-non-canonical', 'nix32 string has bits beyond its byte length');
    }
  }
  return out;
}
