/**
 * `nix show-derivation` (Nix 2.8 … 2.14) / `nix derivation show` (2.15 …): each derivation's outputs.
 * Three outer shapes (outputs: derivation-output.ts):
 *
 *   Nix 2.8 … 2.31  {"/nix/store/<hash>-<name>.drv": {outputs, inputSrcs, inputDrvs, …}}  ("name" since 2.15)
 *   Nix 2.32        {"<hash>-<name>.drv": {"version": 3, "name", outputs with base-name paths, …}}
 *   Nix >= 2.33     {"version": 4, "derivations": {"<hash>-<name>.drv": {"version": 4, "name", outputs, inputs, …}}}
 *
 * Example (recorded with Nix 2.8, fields other than outputs left out):
 *
 *   {"/nix/store/94wpsjqjw9wpi56q7s5x7dy9zqlamfcr-tv-ca-multi.drv": {"outputs": {
 *     "dev": {"path": "/nix/store/h852r79rwvmm97kxi82b4fi707xyxxhf-tv-ca-multi-dev"},
 *     "out": {"path": "/nix/store/ld4i3c9wpg55p0fp2wvx8v2ajk6fzs28-tv-ca-multi"}}}}
 *
 * A version this parser does not know, or fields of one version in another, is a NixFormatError.
 */

import { derivationError, parseDerivationOutput } from './derivation-output.ts';
import type { DerivationJsonFormat, DerivationOutput } from './derivation-output.ts';
import { NixFormatError } from './errors.ts';
import { DEFAULT_STORE_DIR, isDerivation, nameOf, parseStorePath, storePathFromBaseName } from './storepath.ts';
import type { StorePath } from './storepath.ts';

export type { DerivationOutput } from './derivation-output.ts';
export { outputPathName } from './derivation-output.ts';

export interface DerivationInfo {
  readonly drvPath: StorePath;
  readonly name: string;
  readonly outputs: ReadonlyMap<string, DerivationOutput>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function unsupported(what: string, v: unknown): NixFormatError {
  return new NixFormatError('derivation-show-unsupported-version',
    `${what} has "version": ${JSON.stringify(v)}; this parser knows Nix 2.8 … 2.31 (none), 2.32 (3) and >= 2.33 (4)`, { field: 'version' });
}

function derivation(key: string, d: unknown, format: DerivationJsonFormat, storeDir: string): DerivationInfo {
  let drvPath: StorePath;
  try {
    drvPath = format === 'full' ? parseStorePath(key, storeDir) : storePathFromBaseName(key, storeDir);
  } catch (e) {
    throw derivationError('derivation-show-bad-shape', key, `key is not a ${format === 'full' ? 'full' : 'base-name'} store path`, e);
  }
  if (!isDerivation(drvPath)) throw derivationError('derivation-show-bad-shape', key, 'key is not a .drv path');
  if (!isObj(d)) throw derivationError('derivation-show-bad-shape', key, 'is not an object');
  const want = format === 'full' ? undefined : format;
  if (d['version'] !== want && !(format === 4 && d['version'] === undefined)) throw unsupported(`derivation ${key}`, d['version']);
  const drvName = nameOf(drvPath).slice(0, -'.drv'.length);
  if (d['name'] !== undefined && d['name'] !== drvName) throw derivationError('derivation-show-bad-shape', key, `name ${JSON.stringify(d['name'])} is not the .drv's name`);
  if (!isObj(d['outputs'])) throw derivationError('derivation-show-bad-shape', key, 'has no outputs object');
  const outputs = new Map<string, DerivationOutput>();
  for (const [name, o] of Object.entries(d['outputs'])) {
    outputs.set(name, parseDerivationOutput(name, o, { drvPath, drvName, format, storeDir }));
  }
  return { drvPath, name: drvName, outputs };
}

export function parseDerivationShowJson(text: string, storeDir: string = DEFAULT_STORE_DIR): DerivationInfo[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new NixFormatError('derivation-show-bad-json', 'derivation show output is not JSON', { cause });
  }
  if (!isObj(doc)) throw new NixFormatError('derivation-show-bad-shape', 'derivation show output is not an object');
  if ('version' in doc || 'derivations' in doc) {
    if (doc['version'] !== 4) throw unsupported('derivation show output', doc['version']);
    if (!isObj(doc['derivations'])) throw new NixFormatError('derivation-show-bad-shape', 'version 4 output has no "derivations" object');
    return Object.entries(doc['derivations']).map(([k, d]) => derivation(k, d, 4, storeDir));
  }
  // Unversioned outer object: Nix 2.8 … 2.31 (full paths, no version) or 2.32 (base names, version 3).
  return Object.entries(doc).map(([k, d]) => derivation(k, d, isObj(d) && d['version'] !== undefined ? versionOf(k, d['version']) : 'full', storeDir));
}

function versionOf(key: string, v: unknown): DerivationJsonFormat {
  if (v === 3) return 3;
  throw unsupported(`derivation ${key}`, v);
}

/** Every output path known before building (input-addressed and fixed), deduplicated. */
export function knownOutputPaths(drvs: readonly DerivationInfo[]): StorePath[] {
  const out = new Set<StorePath>();
  for (const d of drvs) {
    for (const o of d.outputs.values()) if (o.kind === 'input-addressed' || o.kind === 'fixed') out.add(o.path);
  }
  return [...out];
}
