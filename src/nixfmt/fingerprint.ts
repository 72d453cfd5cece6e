/**
 * The string a binary-cache signature covers (ValidPathInfo::fingerprint in
 * Nix's libstore/path-info.cc):
 *
 *   1;<store path>;<NarHash as sha256:nix32>;<NarSize>;<sorted full reference paths, comma-separated>
 *
 * Example, for the recorded fixture nixfmt-top:
 *
 *   1;/nix/store/2mk5hy75x2b25h13pfppmk1padmmaw32-nixfmt-top;sha256:14mjzm56wn9178mvjfvmr150awbk0581d09dyfbmmq3pz4sbk8dq;200;/nix/store/9xhcvi1qzwc592r7kch2dr40da1cx078-nixfmt-dep
 *
 * Neither Deriver, URL, compression nor the file hash are signed. A NarHash
 * is canonical nix32 by construction, so a signature over an SRI-spelled
 * fingerprint (as some Trustix code produces) never matches this one.
 */

import { NixFormatError } from './errors.ts';
import type { PathFacts } from './facts.ts';

export type FingerprintInput = Pick<PathFacts, 'path' | 'narHash' | 'narSize' | 'references'>;

export function fingerprint(info: FingerprintInput): string {
  if (!Number.isSafeInteger(info.narSize) || info.narSize <= 0) {
    throw new NixFormatError('fingerprint-bad-narsize', `cannot fingerprint NarSize ${info.narSize}`);
  }
  const refs = [...new Set(info.references)].sort();
  return `1;${info.path};${info.narHash};${info.narSize};${refs.join(',')}`;
}
