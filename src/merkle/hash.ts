/**
 * RFC 6962 / RFC 9162 log hashing with SHA-256.
 *
 *   leaf hash   = SHA-256(0x00 || leaf input)
 *   node hash   = SHA-256(0x01 || left || right)
 *   empty root  = SHA-256("")           (no prefix)
 *
 * The prefixes keep a leaf from ever being mistaken for an interior node (the
 * second-preimage attack on plain Merkle trees). Example, the leaf "a":
 *
 *   leafHash(utf8("a")) = 022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c
 *
 * A Hash is a Uint8Array of exactly 32 bytes; asHash is the only way to make one
 * from bytes that came from outside.
 */

import { Buffer } from 'node:buffer';
import { hash } from 'node:crypto';

export type Hash = Uint8Array & { readonly __brand: 'merkle.Hash' };

export const HASH_SIZE = 32;
const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** SHA-256 of the concatenation of `parts` (one-shot: cheaper than a Hash object for short inputs). */
export function sha256(...parts: readonly Uint8Array[]): Hash {
  const input = parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
  return new Uint8Array(hash('sha256', input, 'buffer')) as Hash;
}

export function isHash(bytes: Uint8Array): bytes is Hash {
  return bytes.length === HASH_SIZE;
}

/** Brands 32 bytes as a Hash; any other length is a RangeError (callers check first). */
export function asHash(bytes: Uint8Array): Hash {
  if (!isHash(bytes)) throw new RangeError(`a hash is ${HASH_SIZE} bytes, got ${bytes.length}`);
  return bytes;
}

export const EMPTY_ROOT: Hash = sha256();

export function leafHash(data: Uint8Array): Hash {
  return sha256(LEAF_PREFIX, data);
}

/** 0x01 || left || right, assembled in place (interior nodes are most of the hashing). */
const node = new Uint8Array(1 + 2 * HASH_SIZE);
node[0] = 0x01;

export function nodeHash(left: Uint8Array, right: Uint8Array): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return sha256(NODE_PREFIX, left, right);
  node.set(left, 1);
  node.set(right, 1 + HASH_SIZE);
  return new Uint8Array(hash('sha256', node, 'buffer')) as Hash;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
