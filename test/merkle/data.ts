/** Reads the Trustix vectors copied into test/data/trustix/ (see its README), plus byte helpers. */
import { readFileSync } from 'node:fs';

const DIR = new URL('../data/trustix/', import.meta.url);

export function loadVectors<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as T;
}

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const toB64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

/** A copy of `b` with bit `bit` of byte `byte` flipped. */
export function flip(b: Uint8Array, byte = 0, bit = 3): Uint8Array {
  const out = Uint8Array.from(b);
  out[byte] = (out[byte] as number) ^ (1 << bit);
  return out;
}
