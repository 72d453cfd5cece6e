/** The content-address vectors recorded from Nix 2.8 (test/data/nix-2.8/ca), loaded once. */
import { readFileSync, readdirSync } from 'node:fs';
import { parseNarInfo, parsePathInfoJson } from '../../src/nixfmt/index.ts';
import type { NarInfo, PathInfo } from '../../src/nixfmt/index.ts';

export const CA_DIR = new URL('../data/nix-2.8/ca/', import.meta.url);

export interface CaVector { readonly file: string; readonly info: PathInfo & { readonly ca: string }; readonly narinfo: NarInfo }

export const VECTORS: readonly CaVector[] = readdirSync(CA_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
  const infos = parsePathInfoJson(readFileSync(new URL(file, CA_DIR), 'utf8'));
  const info = infos[0];
  if (infos.length !== 1 || info?.ca === undefined) throw new Error(`${file}: expected one path with a CA`);
  const hashPart = info.path.slice('/nix/store/'.length, '/nix/store/'.length + 32);
  const narinfo = parseNarInfo(readFileSync(new URL(`cache/${hashPart}.narinfo`, CA_DIR), 'utf8'));
  return { file, info: { ...info, ca: info.ca }, narinfo };
});

/** The raw `ca` string exactly as Nix printed it in the JSON. */
export function rawCa(file: string): string {
  const [e] = JSON.parse(readFileSync(new URL(file, CA_DIR), 'utf8')) as Array<{ ca: string }>;
  return e?.ca ?? '';
}
