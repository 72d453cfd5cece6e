/**
 * Signed log heads: what a Trustix log commits to, and its Ed25519 signature.
 *
 * A head names the main log (LogRoot, TreeSize), the map (MapRoot) and the
 * map-head log (MHRoot, MHTreeSize). The log signs the SHA-256 of 112 bytes:
 *
 *   LogRoot (32) || LE64(TreeSize) || MapRoot (32) || MHRoot (32) || LE64(MHTreeSize)
 *
 * Example, a new log's first head (TreeSize 0, MHTreeSize 1):
 *
 *   e3b0c442…b855 0000000000000000 0000…0000 7f9c9e31…6ce9 0100000000000000
 *   digest cadfabc372fd778f320456a9625aa7f2982e7950d9f329ad921f5a57ede83184
 *
 * Nothing in the signed bytes names the log, the protocol or a time (SPEC §9
 * bug 12): the same head verifies for every log ID of that key, and an old head
 * can be replayed. track.ts keeps the sizes from going backwards.
 * fromWireHead checks the lengths; verifyHead the signature, giving a VerifiedHead.
 */

import { asHash, isHash, sha256, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import type { Ed25519Verify } from '../nixfmt/index.ts';
import { TrustixError, malformed } from './errors.ts';
import { verifyEd25519 } from './key.ts';
import type { LogKey } from './key.ts';
import type { LogHead } from './wire-messages.ts';

export interface SignedHead {
  readonly logRoot: Hash;
  readonly treeSize: bigint;
  readonly mapRoot: Hash;
  readonly mhRoot: Hash;
  readonly mhTreeSize: bigint;
  /** 64 bytes. */
  readonly signature: Uint8Array;
}

/** A head whose signature has been checked with the log's key. */
export type VerifiedHead = SignedHead & { readonly __verified: 'trustix.VerifiedHead' };

export class BadHeadSignatureError extends TrustixError {
  readonly head: SignedHead;

  constructor(head: SignedHead) {
    super('bad-head-signature', `head of size ${head.treeSize} (root ${toHex(head.logRoot)}) is not signed by the log's key`);
    this.name = 'BadHeadSignatureError';
    this.head = head;
  }
}

export const HEAD_MESSAGE_SIZE = 112;
const MAX_UINT64 = (1n << 64n) - 1n;

function hashField(name: string, b: Uint8Array): Hash {
  if (!isHash(b)) throw malformed(`LogHead.${name} is ${b.length} bytes, not 32`);
  return asHash(Uint8Array.from(b));
}

export function fromWireHead(m: LogHead): SignedHead {
  if (m.Signature.length !== 64) throw malformed(`LogHead.Signature is ${m.Signature.length} bytes, not 64`);
  return {
    logRoot: hashField('LogRoot', m.LogRoot), treeSize: m.TreeSize, mapRoot: hashField('MapRoot', m.MapRoot),
    mhRoot: hashField('MHRoot', m.MHRoot), mhTreeSize: m.MHTreeSize, signature: Uint8Array.from(m.Signature),
  };
}

export function toWireHead(h: SignedHead): LogHead {
  return { LogRoot: h.logRoot, TreeSize: h.treeSize, MapRoot: h.mapRoot, MHRoot: h.mhRoot, MHTreeSize: h.mhTreeSize, Signature: h.signature };
}

/** The 112 bytes whose SHA-256 the log signs. */
export function headMessage(h: Omit<SignedHead, 'signature'>): Uint8Array {
  for (const n of [h.treeSize, h.mhTreeSize]) if (n < 0n || n > MAX_UINT64) throw malformed(`head size ${n} is not a uint64`);
  const out = new Uint8Array(HEAD_MESSAGE_SIZE);
  const view = new DataView(out.buffer);
  out.set(h.logRoot, 0);
  view.setBigUint64(32, h.treeSize, true);
  out.set(h.mapRoot, 40);
  out.set(h.mhRoot, 72);
  view.setBigUint64(104, h.mhTreeSize, true);
  return out;
}

export function headDigest(h: Omit<SignedHead, 'signature'>): Hash {
  return sha256(headMessage(h));
}

/** Two heads commit to the same state (their signatures may still differ). */
export function sameHead(a: SignedHead, b: SignedHead): boolean {
  return toHex(headMessage(a)) === toHex(headMessage(b));
}

/** The head, once its signature verifies with `key`; else BadHeadSignatureError. */
export async function verifyHead(h: SignedHead, key: LogKey, verifyWith: Ed25519Verify = verifyEd25519): Promise<VerifiedHead> {
  const ok = h.signature.length === 64 && (await verifyWith(headDigest(h), h.signature, key));
  if (!ok) throw new BadHeadSignatureError(h);
  return h as VerifiedHead;
}
