/** Test-side signing: an Ed25519 key from a 32-byte seed (what a log or token holder does). */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { headDigest, logKeyFromRaw } from '../../src/trustix/index.ts';
import type { Hash } from '../../src/merkle/index.ts';
import type { LogKey, SignedHead } from '../../src/trustix/index.ts';
import { b64, hex } from '../merkle/data.ts';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Signer { readonly key: LogKey; readonly privateKey: KeyObject; sign(msg: Uint8Array): Uint8Array }

export function signerFromSeed(seedHex: string): Signer {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, hex(seedHex)]), format: 'der', type: 'pkcs8' });
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  return { key: logKeyFromRaw(new Uint8Array(raw)), privateKey, sign: (msg) => new Uint8Array(sign(null, msg, privateKey)) };
}

export function signHead(signer: Signer, h: Omit<SignedHead, 'signature'>): SignedHead {
  return { ...h, signature: signer.sign(headDigest(h)) };
}

/** A head as the vector files spell it. */
export interface HeadFields { LogRoot_hex: string; TreeSize: number; MapRoot_hex: string; MHRoot_hex: string; MHTreeSize: number; Signature_b64: string }

export function headOf(j: HeadFields): SignedHead {
  return {
    logRoot: hex(j.LogRoot_hex) as Hash, treeSize: BigInt(j.TreeSize), mapRoot: hex(j.MapRoot_hex) as Hash,
    mhRoot: hex(j.MHRoot_hex) as Hash, mhTreeSize: BigInt(j.MHTreeSize), signature: b64(j.Signature_b64),
  };
}
