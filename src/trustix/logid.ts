/**
 * Log IDs: which log a configured (protocol, key) pair names.
 *
 *   preimage = "protocol:" <protocol UUID> ";" "mode:0;" "keyType:ed25519;" "pubKey:" <32 raw key bytes> ";"
 *   LogID    = lowercase hex of SHA-256(preimage)
 *
 * Example: key Pd7DLJGPpF3zqbiZiXhieBg/m2jCqbi+UqRDTXRAt/g= under protocol nix →
 * 68d40e3cac269041413f3d96f171d8fc53ae4079cc2f80e63b27ecb5e33549e1. Mode 0 ("Log")
 * is the only mode. A client derives the ID itself and, in checkAdvertisedLog,
 * refuses a node's `Log` entry whose ID, protocol or key is not the configured one.
 */

import { sha256, toHex } from '../merkle/index.ts';
import { TrustixError, malformed } from './errors.ts';
import type { LogKey } from './key.ts';
import type { Protocol } from './protocol.ts';
import type { Log } from './wire-messages.ts';

export type LogId = string & { readonly __brand: 'trustix.LogId' };

const LOG_ID = /^[0-9a-f]{64}$/;
const ascii = new TextEncoder();

export function logIdPreimage(protocol: Protocol, key: LogKey): Uint8Array {
  return Uint8Array.from([
    ...ascii.encode(`protocol:${protocol.id};mode:0;keyType:ed25519;pubKey:`), ...key.raw, ...ascii.encode(';'),
  ]);
}

export function deriveLogId(protocol: Protocol, key: LogKey): LogId {
  return toHex(sha256(logIdPreimage(protocol, key))) as LogId;
}

export function parseLogId(s: string): LogId {
  if (!LOG_ID.test(s)) throw malformed(`not a log ID (64 lowercase hex digits): ${JSON.stringify(s.slice(0, 100))}`);
  return s as LogId;
}

/** The configured log's ID, after checking that the node advertises it as configured. */
export function checkAdvertisedLog(log: Log, protocol: Protocol, key: LogKey): LogId {
  const id = deriveLogId(protocol, key);
  const wrong = log.LogID !== id ? `ID ${log.LogID}, want ${id}`
    : log.Protocol !== protocol.id ? `protocol ${log.Protocol}, want ${protocol.id}`
      : log.Signer.Public !== key.base64 ? `key ${log.Signer.Public}, want ${key.base64}`
        : undefined;
  if (wrong !== undefined) throw new TrustixError('log-id-mismatch', `log advertised with ${wrong.slice(0, 300)}`);
  return id;
}
