/**
 * The narinfo this server answers with: the voted NarHash, NarSize and References,
 * the compression and file facts of one upstream that holds exactly that NarHash,
 * a URL on this server's own nar/ route, and a signature by this server's key over
 * the fingerprint of what won the vote. Pure: a function of the vote and the key.
 */
import type { Upstream } from '../claims.ts';
import { fingerprint, formatNarInfo, hashPartOf, signFingerprint, type FingerprintSigner, type NarInfo, type PathFacts, type SecretKey } from '../nixfmt/index.ts';
import { narUrl } from './routes.ts';

export interface Source {
  /** Index into the server's upstream list; part of the NAR URL. */
  readonly index: number;
  readonly baseUrl: string;
  readonly upstream: Upstream;
}

/** `directUrl`: the upstream's absolute NAR URL instead of serve's own route ([serve] nar-urls = upstream). */
export function servedNarInfo(winner: PathFacts, source: Source, key: SecretKey, sign: FingerprintSigner = signFingerprint, directUrl?: string): string {
  const up = source.upstream;
  const facts = { path: winner.path, narHash: winner.narHash, narSize: winner.narSize, references: winner.references };
  const info: NarInfo = {
    ...facts,
    url: directUrl ?? narUrl(hashPartOf(winner.path), winner.narHash, source.index, up.compression),
    compression: up.compression,
    ...(up.fileHash !== undefined && { fileHash: up.fileHash }),
    ...(up.fileSize !== undefined && { fileSize: up.fileSize }),
    ...(winner.deriver !== undefined && { deriver: winner.deriver }),
    ...(winner.ca !== undefined && { ca: winner.ca }),
    sigs: [sign(fingerprint(facts), key)],
  };
  // One flat string: the formatter's concatenation is a tree of ~40 pieces, and serve
  // keeps tens of thousands of these (1.2 KB more each).
  return Buffer.from(formatNarInfo(info), 'latin1').toString('latin1');
}
