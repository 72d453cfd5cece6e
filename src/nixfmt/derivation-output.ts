/**
 * One output of a derivation in `nix derivation show` JSON (the shapes around it: derivation.ts).
 * Nix told the output kinds apart by which fields are present, and spelled them per version:
 *
 *   kind             Nix 2.8 … 2.23              2.24 … 2.31 (+ "method")          2.32 (v3)                 >= 2.33 (v4)
 *   input-addressed  {path}                       {path}                            {path: base name}         {path: base name}
 *   fixed            {path, hashAlgo:"r:sha256",  {path, method:"nar",              {method, hashAlgo, hash}  {method, hash: SRI}
 *                     hash: hex}                   hashAlgo:"sha256", hash: hex}
 *   floating CA      {hashAlgo:"r:sha256"}        {method, hashAlgo}                {method, hashAlgo}        {method, hashAlgo}
 *   deferred         {}                           {}                                {}                        {}
 *   impure           {hashAlgo, impure: true}     {method, hashAlgo, impure: true}  same                      same
 *
 * From 2.32 on a fixed output carries no path: it is computed here from its content address
 * (makepath.ts), the output name and the derivation name. Where Nix did print the path, the
 * computed one must equal it. Example (recorded, Nix 2.8):
 *
 *   "out": {"path": "/nix/store/klpd…-tv-ca-fod-rec", "hashAlgo": "r:sha256", "hash": "e7e0919a…"}
 *   → {kind: 'fixed', path: '/nix/store/klpd…-tv-ca-fod-rec', ca: 'fixed:r:sha256:18x0nb6n…'}
 */

import { contentAddressFromJson, formatContentAddress, isCaMethod } from './ca.ts';
import type { CaMethod, ContentAddress } from './ca.ts';
import { NixFormatError } from './errors.ts';
import { isHashAlgo, parseHash } from './hash.ts';
import type { HashAlgo } from './hash.ts';
import { caStorePath } from './makepath.ts';
import { parseStorePath, storePathFromBaseName } from './storepath.ts';
import type { StorePath } from './storepath.ts';

export type DerivationOutput =
  | { readonly kind: 'input-addressed'; readonly path: StorePath }
  | { readonly kind: 'fixed'; readonly path: StorePath; readonly ca: string }
  | { readonly kind: 'floating'; readonly method: CaMethod; readonly hashAlgo: HashAlgo }
  | { readonly kind: 'deferred' }
  | { readonly kind: 'impure'; readonly method: CaMethod; readonly hashAlgo: HashAlgo };

/** 'full': Nix 2.8 … 2.31 (full paths, hex hashes); 3: Nix 2.32; 4: Nix >= 2.33. */
export type DerivationJsonFormat = 'full' | 3 | 4;

export interface OutputContext {
  readonly drvPath: StorePath;
  readonly drvName: string;
  readonly format: DerivationJsonFormat;
  readonly storeDir: string;
}

const PREFIXED: ReadonlyArray<[string, CaMethod]> = [['r:', 'nar'], ['text:', 'text'], ['git:', 'git']];

export function derivationError(code: string, at: string, why: string, cause?: unknown): NixFormatError {
  return new NixFormatError(code, `derivation ${at}: ${why}`, cause === undefined ? undefined : { cause });
}

/** Nix's outputPathName: "out" keeps the derivation name, others append "-<output>". */
export function outputPathName(drvName: string, output: string): string {
  return output === 'out' ? drvName : `${drvName}-${output}`;
}

function methodAndAlgo(at: string, o: Record<string, unknown>, format: DerivationJsonFormat): { method: CaMethod; algo: HashAlgo } {
  let method: unknown = o['method'];
  let algo: unknown = o['hashAlgo'];
  if (method === undefined && format === 'full' && typeof algo === 'string') {
    const hit = PREFIXED.find(([p]) => (algo as string).startsWith(p));
    method = hit?.[1] ?? 'flat';
    algo = hit === undefined ? algo : algo.slice(hit[0].length);
  }
  if (typeof method !== 'string' || !isCaMethod(method)) throw derivationError('derivation-show-bad-output', at, `method ${JSON.stringify(method)} is not flat, nar, text or git`);
  if (typeof algo !== 'string' || !isHashAlgo(algo)) throw derivationError('derivation-show-bad-output', at, `hashAlgo ${JSON.stringify(algo)} is unknown`);
  return { method, algo };
}

function pathOf(at: string, v: unknown, ctx: OutputContext): StorePath {
  try {
    if (typeof v !== 'string') throw new TypeError('not a string');
    return ctx.format === 'full' ? parseStorePath(v, ctx.storeDir) : storePathFromBaseName(v, ctx.storeDir);
  } catch (e) {
    throw derivationError('derivation-show-bad-output', at, `path is not a ${ctx.format === 'full' ? 'full store path' : 'store path base name'}`, e);
  }
}

function fixedCa(at: string, o: Record<string, unknown>, ctx: OutputContext): ContentAddress {
  try {
    if (ctx.format === 4) return contentAddressFromJson(o);
    const { method, algo } = methodAndAlgo(at, o, ctx.format);
    if (typeof o['hash'] !== 'string' || !/^[0-9a-f]+$/.test(o['hash'])) throw new TypeError('hash is not lower-case hex');
    return { method, hash: parseHash(`${algo}:${o['hash']}`) };
  } catch (e) {
    throw e instanceof NixFormatError && e.code.startsWith('derivation-') ? e : derivationError('derivation-show-bad-output', at, 'bad fixed-output hash', e);
  }
}

export function parseDerivationOutput(name: string, v: unknown, ctx: OutputContext): DerivationOutput {
  const at = `${ctx.drvPath} output ${JSON.stringify(name)}`;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw derivationError('derivation-show-bad-output', at, 'is not an object');
  const o = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null));
  const keys = Object.keys(o).filter((k) => k !== 'method' || ctx.format !== 'full').sort().join(',');
  const shapes: Record<string, () => DerivationOutput> = {
    '': () => ({ kind: 'deferred' }),
    'path': () => ({ kind: 'input-addressed', path: pathOf(at, o['path'], ctx) }),
    'hashAlgo': () => ({ kind: 'floating', ...renamed(methodAndAlgo(at, o, ctx.format)) }),
    'hashAlgo,method': () => ({ kind: 'floating', ...renamed(methodAndAlgo(at, o, ctx.format)) }),
    'hashAlgo,impure': () => ({ kind: 'impure', ...renamed(methodAndAlgo(at, o, ctx.format)) }),
    'hashAlgo,impure,method': () => ({ kind: 'impure', ...renamed(methodAndAlgo(at, o, ctx.format)) }),
  };
  const fixedKeys = ctx.format === 'full' ? 'hash,hashAlgo,path' : ctx.format === 3 ? 'hash,hashAlgo,method' : 'hash,method';
  if (keys === fixedKeys) return fixed(at, o, ctx, name);
  const make = shapes[keys];
  if (make === undefined) throw derivationError('derivation-show-bad-output', at, `fields {${keys}} match no output kind of this format`);
  return make();
}

function renamed(x: { method: CaMethod; algo: HashAlgo }): { method: CaMethod; hashAlgo: HashAlgo } {
  return { method: x.method, hashAlgo: x.algo };
}

function fixed(at: string, o: Record<string, unknown>, ctx: OutputContext, name: string): DerivationOutput {
  const ca = fixedCa(at, o, ctx);
  let path: StorePath;
  try {
    path = caStorePath(outputPathName(ctx.drvName, name), ca, undefined, ctx.storeDir);
  } catch (e) {
    throw derivationError('derivation-show-bad-output', at, 'its content address gives no store path', e);
  }
  if (o['path'] !== undefined && pathOf(at, o['path'], ctx) !== path) {
    throw derivationError('derivation-fixed-path-mismatch', at, `Nix says ${String(o['path'])}, its content address gives ${path}`);
  }
  return { kind: 'fixed', path, ca: formatContentAddress(ca) };
}
