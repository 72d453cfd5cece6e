/**
 * Trustix write tokens: what a client shows a daemon to Submit or Flush (SPEC §7.1).
 *
 *   private token file  "<name>:" base64(64-byte Ed25519 private key = seed || public key)
 *   public token        "<name>:" base64(32-byte public key)
 *   header              Trustix-Token: {"name":"<name>","sig":"<base64 Ed25519 over UTF-8 '<name>:<procedure>'>"}
 *
 * Example: name "default", procedure /trustix_rpc.v1.LogRPC/Submit → the signed
 * text is "default:/trustix_rpc.v1.LogRPC/Submit". The name is everything before
 * the first ':'. The signature covers no body, nonce or time, so whoever sees a
 * header can replay it for that procedure forever (SPEC §9 bug 9): send it only
 * over a channel you trust, and only to the daemon it is meant for.
 */

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { equalBytes } from '../merkle/index.ts';
import { TrustixError, malformed } from './errors.ts';
import { goJsonString } from './gojson.ts';
import { logKeyFromRaw, parseLogKey } from './key.ts';
import type { LogKey } from './key.ts';

export const TOKEN_HEADER = 'Trustix-Token';

export interface PublicToken { readonly name: string; readonly key: LogKey }
export interface WriteToken extends PublicToken { readonly privateKey: KeyObject }

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function split(text: string, what: string): [string, string] {
  const s = text.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) throw malformed(`${what} is not "<name>:<base64>"`);
  return [s.slice(0, colon), s.slice(colon + 1)];
}

export function parsePublicToken(text: string): PublicToken {
  const [name, b64] = split(text, 'public token');
  return { name, key: parseLogKey(b64) };
}

export function parseWriteToken(text: string): WriteToken {
  const [name, b64] = split(text, 'private token');
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 64 || raw.toString('base64') !== b64) throw malformed(`private token ${JSON.stringify(name)} is not 64 bytes of base64`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  if (!equalBytes(pub, raw.subarray(32))) throw malformed(`private token ${JSON.stringify(name)}: public half does not match the seed`);
  return { name, key: logKeyFromRaw(new Uint8Array(pub)), privateKey };
}

const signedText = (name: string, procedure: string): Buffer => Buffer.from(`${name}:${procedure}`, 'utf8');

/** The Trustix-Token header value for one procedure path, e.g. "/trustix_rpc.v1.LogRPC/Submit". */
export function tokenHeader(token: WriteToken, procedure: string): string {
  const sig = sign(null, signedText(token.name, procedure), token.privateKey).toString('base64');
  return `{"name":${goJsonString(token.name)},"sig":${goJsonString(sig)}}`;
}

/** The name of the token that signed this header for `procedure`; else 'malformed' or 'bad-token'. */
export function verifyTokenHeader(value: string, tokens: readonly PublicToken[], procedure: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(value);
  } catch (cause) {
    throw malformed(`${TOKEN_HEADER} is not JSON`, cause);
  }
  const { name, sig } = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  if (typeof name !== 'string' || typeof sig !== 'string') throw malformed(`${TOKEN_HEADER} lacks name or sig`);
  const token = tokens.find((t) => t.name === name);
  const raw = Buffer.from(sig, 'base64');
  const ok = token !== undefined && raw.length === 64 && raw.toString('base64') === sig
    && verify(null, signedText(name, procedure), { key: Buffer.concat([SPKI_PREFIX, token.key.raw]), format: 'der', type: 'spki' }, raw);
  if (!ok) throw new TrustixError('bad-token', `${TOKEN_HEADER} for ${JSON.stringify(name.slice(0, 100))} does not verify for ${procedure}`);
  return name;
}
