/**
 * Leaves of a Trustix log's two Merkle logs (RFC 6962 leaf hashes, merkle/).
 *
 *   main log       leaf input = key || ":" || SHA-256(value)   (no length prefix: the digest is the last 32 bytes)
 *   map-head log   leaf input = MapRoot                        (one leaf per signed head)
 *
 * Example: key "/nix/store/0mdqa9w1p6cmli6976v4wi0sw9r4p5pr-hello-2.12.1", value {"path":"x"}
 * → ValueDigest 4c99d722…3db0, LeafDigest 41505d00…10ae.
 *
 * checkLogLeaf ties a map entry to the log: the leaf at MapEntry.Index must carry
 * the same key and digest, and its LeafDigest must be their hash. Its inclusion
 * in the signed LogRoot is then an ordinary inclusion proof.
 */

import { equalBytes, leafHash, sha256, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { TrustixError } from './errors.ts';
import type { LogLeaf } from './wire-messages.ts';

const LEAF = Uint8Array.of(0x00);
const COLON = Uint8Array.of(0x3a);

/** leafHash(key || ":" || valueDigest), without copying the key. */
export function kvLeafHash(key: Uint8Array, valueDigest: Uint8Array): Hash {
  return sha256(LEAF, key, COLON, valueDigest);
}

export function mapHeadLeafHash(mapRoot: Uint8Array): Hash {
  return leafHash(mapRoot);
}

/** The leaf's hash, once it commits to exactly `key` and `valueDigest`; else a 'bad-log-leaf' error. */
export function checkLogLeaf(leaf: LogLeaf, key: Uint8Array, valueDigest: Uint8Array): Hash {
  const fail = (why: string): TrustixError => new TrustixError('bad-log-leaf', `log leaf ${why}`);
  if (leaf.Key === undefined || !equalBytes(leaf.Key, key)) throw fail('is for another key');
  if (leaf.ValueDigest === undefined || !equalBytes(leaf.ValueDigest, valueDigest)) throw fail('has another value digest');
  const want = kvLeafHash(key, valueDigest);
  if (!equalBytes(leaf.LeafDigest, want)) throw fail(`digest ${toHex(leaf.LeafDigest).slice(0, 64)} is not ${toHex(want)}`);
  return want;
}
