/**
 * MapEntry: the value a Trustix map holds for a key, as Go's encoding/json wrote it.
 *
 *   {"Digest":"<standard padded base64 of SHA-256(value)>","Index":<decimal>}
 *
 * Example: {"Digest":"vNvNf+Z7fj2UUEXBpCBUsSlYIjpyj8+wHH7s4v2fC34=","Index":0}
 *
 * Digest is the value's SHA-256 (fetch the value with NodeAPI.GetValue) and
 * Index the position of the entry's leaf in the main log; it may exceed 2^53, so
 * it is a bigint. The map's proof covers the exact bytes, so we hash them as
 * received and accept only this exact spelling (no spaces, this key order, a
 * 32-byte digest): anything else a Trustix server never writes is `malformed`.
 */

import { Buffer } from 'node:buffer';
import { base64Of } from './wire-json.ts';
import { asHash } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { malformed } from './errors.ts';

export interface MapEntry {
  readonly digest: Hash;
  readonly index: bigint;
}

const ENTRY = /^\{"Digest":"([A-Za-z0-9+/]{43}=)","Index":(0|[1-9][0-9]{0,19})\}$/;
const MAX_UINT64 = (1n << 64n) - 1n;
const latin1 = new TextDecoder('latin1');

export function parseMapEntry(bytes: Uint8Array): MapEntry {
  const m = ENTRY.exec(latin1.decode(bytes));
  const digest = m === null ? undefined : Buffer.from(m[1] ?? '', 'base64');
  const index = m === null ? -1n : BigInt(m[2] ?? '');
  if (digest === undefined || digest.toString('base64') !== m?.[1] || index > MAX_UINT64) {
    throw malformed(`not a MapEntry: ${JSON.stringify(latin1.decode(bytes.subarray(0, 200)))}`);
  }
  return { digest: asHash(new Uint8Array(digest)), index };
}

/** Go's encoding of a MapEntry (Digest is left out when absent, as `omitempty` does). */
export function encodeMapEntry(digest: Uint8Array | undefined, index: bigint): Uint8Array {
  if (index < 0n || index > MAX_UINT64) throw malformed(`MapEntry index ${index} is not a uint64`);
  const d = digest === undefined ? '' : `"Digest":"${base64Of(digest)}",`;
  return new TextEncoder().encode(`{${d}"Index":${index}}`);
}
