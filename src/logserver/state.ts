/**
 * A log's state directory, and its signing key in Trustix's own file format.
 *
 *   DIR/log.key   base64 of the 64-byte Ed25519 key (32-byte seed || public key), mode 0600,
 *                 as `trustix generate-key` writes it, so the key can move to a Go daemon
 *   DIR/log.pub   base64 of the 32-byte public key (what readers configure)
 *   DIR/log.db    the SQLite database (schema.ts) with its -wal and -shm files
 *
 * Example log.pub: Pd7DLJGPpF3zqbiZiXhieBg/m2jCqbi+UqRDTXRAt/g=
 *
 * The secret is refused when group or others may read it, as ssh refuses such keys.
 */

import { Buffer } from 'node:buffer';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { equalBytes } from '../merkle/index.ts';
import { logKeyFromRaw } from '../trustix/index.ts';
import type { LogKey } from '../trustix/index.ts';
import { LogStateError } from './errors.ts';
import type { HeadSigner } from './log.ts';

export interface StatePaths {
  readonly dir: string;
  readonly db: string;
  readonly secret: string;
  readonly public: string;
}

export function statePaths(dir: string): StatePaths {
  return { dir, db: join(dir, 'log.db'), secret: join(dir, 'log.key'), public: join(dir, 'log.pub') };
}

export interface LogSecret {
  readonly key: LogKey;
  readonly sign: HeadSigner;
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX_LENGTH = 12;

/** A fresh key pair as the two files' contents. */
export function newLogKeyFiles(): { secret: string; public: string } {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  const seed = Buffer.from(jwk.d ?? '', 'base64url');
  const pub = Buffer.from(jwk.x ?? '', 'base64url');
  return { secret: `${Buffer.concat([seed, pub]).toString('base64')}\n`, public: `${pub.toString('base64')}\n` };
}

export function parseLogSecret(text: string, where: string): LogSecret {
  const b64 = text.trim();
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 64 || raw.toString('base64') !== b64) throw new LogStateError(`${where} is not a log key (base64 of 64 bytes)`);
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX_LENGTH);
  if (!equalBytes(pub, raw.subarray(32))) throw new LogStateError(`${where}: the public half does not match the seed`);
  return { key: logKeyFromRaw(new Uint8Array(pub)), sign: (digest) => new Uint8Array(sign(null, digest, privateKey)) };
}

/** The log's signing key, once its file is private to its owner and holds the key the log was made with. */
export function readLogSecret(paths: StatePaths, want: LogKey): LogSecret {
  let text: string;
  try {
    const mode = statSync(paths.secret).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new LogStateError(`${paths.secret} may be read by others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 on it`);
    }
    text = readFileSync(paths.secret, 'utf8');
  } catch (e) {
    if (e instanceof LogStateError) throw e;
    throw new LogStateError(`cannot read the log key ${paths.secret}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const secret = parseLogSecret(text, paths.secret);
  if (secret.key.base64 !== want.base64) throw new LogStateError(`${paths.secret} holds key ${secret.key.base64}, but this log was made with ${want.base64}`);
  return secret;
}
