/**
 * A Trustix log's public key: raw Ed25519, 32 bytes, written as standard padded
 * base64 (44 characters) in configs and in `Log.Signer.Public`. Example:
 *
 *   Pd7DLJGPpF3zqbiZiXhieBg/m2jCqbi+UqRDTXRAt/g=
 *
 * A LogKey has the shape of nixfmt's PublicKey with the key type as its name
 * (text "ed25519:<base64>"), so any Ed25519Verify that checks narinfo signatures
 * (libsodium, a worker) checks head signatures too. Go's decoder skips CR/LF
 * inside the base64; we do not.
 */

import { Buffer } from 'node:buffer';
import { createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Ed25519Verify, PublicKey } from '../nixfmt/index.ts';
import { malformed } from './errors.ts';

export interface LogKey extends PublicKey {
  readonly name: 'ed25519';
  /** The key as configured and advertised: standard padded base64. */
  readonly base64: string;
}

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;
const keyObjects = new WeakMap<PublicKey, KeyObject>();

export function logKeyFromRaw(raw: Uint8Array): LogKey {
  if (raw.length !== 32) throw malformed(`an ed25519 public key is 32 bytes, got ${raw.length}`);
  const bytes = Uint8Array.from(raw);
  const base64 = Buffer.from(bytes).toString('base64');
  return { name: 'ed25519', raw: bytes, text: `ed25519:${base64}`, base64 };
}

export function parseLogKey(base64: string): LogKey {
  if (!BASE64_32.test(base64) || Buffer.from(base64, 'base64').toString('base64') !== base64) {
    throw malformed(`not a base64 ed25519 public key: ${JSON.stringify(base64.slice(0, 100))}`);
  }
  return logKeyFromRaw(new Uint8Array(Buffer.from(base64, 'base64')));
}

function keyObject(key: PublicKey): KeyObject {
  let obj = keyObjects.get(key);
  if (obj === undefined) {
    obj = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key.raw]), format: 'der', type: 'spki' });
    keyObjects.set(key, obj);
  }
  return obj;
}

/** Ed25519 verification with node:crypto, in the calling thread; the default for head signatures. */
export const verifyEd25519: Ed25519Verify = (message, sig, key) => {
  try {
    return Promise.resolve(sig.length === 64 && key.raw.length === 32 && verify(null, message, keyObject(key), sig));
  } catch {
    return Promise.resolve(false);
  }
};
