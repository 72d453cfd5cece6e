/**
 * What a builder says about one store path: the facts a narinfo carries, `nix
 * path-info --json` prints, a signature's fingerprint covers (all but deriver and
 * ca) and a vote is about. One type, so every format and the vote agree on it.
 *
 *   { path: /nix/store/2mk5…-nixfmt-top, narHash: sha256:14mj…, narSize: 200,
 *     references: [/nix/store/9xhc…-nixfmt-dep], deriver: /nix/store/p0f3…-nixfmt-top.drv }
 */
import type { NarHash } from './hash.ts';
import type { StorePath } from './storepath.ts';

export interface PathFacts {
  readonly path: StorePath;
  readonly narHash: NarHash;
  readonly narSize: number;
  /** Full store paths, deduplicated and sorted. */
  readonly references: readonly StorePath[];
  readonly deriver?: StorePath;
  /** A content address as a narinfo spells it (`fixed:r:sha256:…`, `text:sha256:…`). */
  readonly ca?: string;
}
