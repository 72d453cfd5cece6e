/**
 * Nix binary-cache signing keys and narinfo signatures (ed25519).
 *
 * Keys are "<name>:<base64>", as written by
 * `nix-store --generate-binary-cache-key <name> sec pub`: the public key is 32
 * bytes, the secret key is libsodium's 64 bytes (32-byte seed || public key).
 * A signature is "<name>:<base64 of 64 bytes>" over the UTF-8 fingerprint
 * (see fingerprint.ts); it appears in narinfo "Sig:" lines. Example (recorded):
 *
 *   public  nixfmt-test-1:+MU1Xof1RT9DS1t35NQ0NZUBK5R1OHCAFYL36Nj1g5E=
 *   Sig:    nixfmt-test-1:LA01nteXaw2z0bLiP8jSXg6JQjZ/a6VEH2OGGFeDBioAd+4HyybCvU3+HQBAmfvNY9gYMbp4umFvdnXySYBsDA==
 *
 * Names are split at the first ':' like Nix does. checkNarInfoSig answers for
 * one key: 'absent' (no Sig with its name), 'valid' (some such Sig verifies)
 * or 'invalid' (there are such Sigs and none verifies, malformed ones included).
 */

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { NixFormatError } from './errors.ts';
import { fingerprint } from './fingerprint.ts';
import { decodeBase64, encodeBase64 } from './hash.ts';
import type { NarInfo } from './narinfo.ts';

export interface PublicKey { readonly name: string; readonly raw: Uint8Array; readonly text: string }
export interface SecretKey { readonly name: string; readonly publicKey: PublicKey; readonly privateKey: KeyObject }
export type SigCheck = 'valid' | 'invalid' | 'absent';

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const NAME_RE = /^[^:\s]+$/;
const keyObjects = new WeakMap<PublicKey, KeyObject>();

function splitNamed(s: string, what: string, size: number): { name: string; bytes: Uint8Array } {
  const colon = s.indexOf(':');
  const name = s.slice(0, colon);
  if (colon < 0 || !NAME_RE.test(name)) throw new NixFormatError('key-invalid', `${what} is not "<name>:<base64>"`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64(s.slice(colon + 1));
  } catch (cause) {
    throw new NixFormatError('key-invalid', `${what} ${JSON.stringify(name)} is not base64`, { cause });
  }
  if (bytes.length !== size) throw new NixFormatError('key-invalid', `${what} ${JSON.stringify(name)} is not ${size} bytes`);
  return { name, bytes };
}

function makePublicKey(name: string, raw: Uint8Array): PublicKey {
  return { name, raw, text: `${name}:${encodeBase64(raw)}` };
}

function publicKeyObject(key: PublicKey): KeyObject {
  let obj = keyObjects.get(key);
  if (obj === undefined) {
    obj = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, key.raw]), format: 'der', type: 'spki' });
    keyObjects.set(key, obj);
  }
  return obj;
}

export function parsePublicKey(s: string): PublicKey {
  const { name, bytes } = splitNamed(s.trim(), 'public key', 32);
  const key = makePublicKey(name, bytes);
  try {
    publicKeyObject(key);
  } catch (cause) {
    throw new NixFormatError('key-invalid', `public key ${JSON.stringify(name)} is not an ed25519 point`, { cause });
  }
  return key;
}

export function parseSecretKey(s: string): SecretKey {
  const { name, bytes } = splitNamed(s.trim(), 'secret key', 64);
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8',
  });
  const derived = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  if (!derived.equals(bytes.subarray(32))) {
    throw new NixFormatError('key-mismatch', `secret key ${JSON.stringify(name)}: public half does not match the seed`);
  }
  return { name, publicKey: makePublicKey(name, new Uint8Array(derived)), privateKey };
}

/** A fresh key pair in Nix's text formats (what --generate-binary-cache-key writes). */
export function generateSecretKey(name: string): { secret: string; public: string } {
  if (!NAME_RE.test(name)) {
    throw new NixFormatError('key-invalid',
      `bad key name ${JSON.stringify(name)}: it may hold any characters but ":" and white space, and not be empty (e.g. myhost-1)`);
  }
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  return { secret: `${name}:${encodeBase64(Buffer.concat([seed, pub]))}`, public: `${name}:${encodeBase64(pub)}` };
}

/** Signs a fingerprint with a secret key: "<name>:<base64 signature>", as in a Sig: line. */
export type FingerprintSigner = (fp: string, key: SecretKey) => string;

export const signFingerprint: FingerprintSigner = (fp, key) => {
  return `${key.name}:${encodeBase64(sign(null, Buffer.from(fp, 'utf8'), key.privateKey))}`;
};

/** True iff `sig` ("name:base64") is named after `key` and verifies over `fp`. */
export function verifyFingerprintSig(fp: string, sig: string, key: PublicKey): boolean {
  const colon = sig.indexOf(':');
  if (colon < 0 || sig.slice(0, colon) !== key.name) return false;
  let raw: Uint8Array;
  try {
    raw = decodeBase64(sig.slice(colon + 1));
  } catch {
    return false;
  }
  return raw.length === 64 && verify(null, Buffer.from(fp, 'utf8'), publicKeyObject(key), raw);
}

/** Verifies one ed25519 signature over fingerprint bytes; may run elsewhere. */
export type Ed25519Verify = (fp: Uint8Array, sig: Uint8Array, key: PublicKey) => Promise<boolean>;

/** On libuv's thread pool, so a closure's checks do not block the event loop. */
export const verifyOnThreadPool: Ed25519Verify = (fp, sig, key) => verifyOnPool(Buffer.from(fp), publicKeyObject(key), sig);

/** What a signature check found, and for a valid one, what it covered. */
export type SigFinding =
  | { readonly status: 'valid'; readonly fingerprint: string; readonly sig: string }
  | { readonly status: 'invalid' }
  | { readonly status: 'absent' };

/**
 * checkNarInfoSig, with the ed25519 work done by `verifyWith` (by default on libuv's
 * thread pool): a closure of thousands of narinfos is verified on every core.
 */
export async function checkNarInfoSigAsync(info: NarInfo, key: PublicKey, verifyWith: Ed25519Verify = verifyOnThreadPool): Promise<SigCheck> {
  return (await findNarInfoSig(info, key, verifyWith)).status;
}

/** Like checkNarInfoSigAsync, keeping the valid `Sig:` and the fingerprint it covers as evidence. */
export async function findNarInfoSig(info: NarInfo, key: PublicKey, verifyWith: Ed25519Verify = verifyOnThreadPool): Promise<SigFinding> {
  const named = info.sigs.filter((s) => s.indexOf(':') > 0 && s.slice(0, s.indexOf(':')) === key.name);
  if (named.length === 0) return { status: 'absent' };
  let text: string;
  try {
    text = fingerprint(info);
  } catch {
    return { status: 'invalid' };
  }
  const fp = Buffer.from(text, 'utf8');
  for (const s of named) {
    let raw: Uint8Array;
    try {
      raw = decodeBase64(s.slice(s.indexOf(':') + 1));
    } catch {
      continue;
    }
    if (raw.length === 64 && (await verifyWith(fp, raw, key))) return { status: 'valid', fingerprint: text, sig: s };
  }
  return { status: 'invalid' };
}

function verifyOnPool(data: Buffer, key: KeyObject, sig: Uint8Array): Promise<boolean> {
  return new Promise((resolve) => verify(null, data, key, sig, (err, ok) => resolve(err === null && ok)));
}

export function checkNarInfoSig(info: NarInfo, key: PublicKey): SigCheck {
  const named = info.sigs.filter((s) => s.indexOf(':') > 0 && s.slice(0, s.indexOf(':')) === key.name);
  if (named.length === 0) return 'absent';
  let fp: string;
  try {
    fp = fingerprint(info);
  } catch {
    return 'invalid';
  }
  return named.some((s) => verifyFingerprintSig(fp, s, key)) ? 'valid' : 'invalid';
}
