/**
 * What a user may ask about, and the store paths that means:
 *   /nix/store/…-foo      its runtime closure; learned from the logs' References when
 *                         the path is not in the local store
 *   /nix/store/…-foo.drv  the outputs of every derivation in its closure (what Nix
 *                         would substitute to build it)
 *   ./file.nix [-A attr]  instantiated, then as a .drv
 *   .#pkg, nixpkgs#hello  evaluated by nix to a .drv
 */
import { parseStorePath, type StorePath } from '../nixfmt/index.ts';
import type { NixOps } from '../ops.ts';

export interface Roots {
  readonly paths: StorePath[];
  /** Walk the logs' References (some target is not in the local store). */
  readonly walk: boolean;
}

export class TargetError extends Error {
  readonly code = 'TARGET';
}

export interface TargetOptions {
  readonly attrs: readonly string[];
  readonly isFile: (p: string) => boolean;
  /** Told what Nix is asked before each call, which can take minutes (an evaluation): "instantiating ./x.nix". */
  readonly onStep?: (step: string) => void;
}

export async function resolveTargets(targets: readonly string[], opts: TargetOptions, nix: NixOps, signal: AbortSignal): Promise<Roots> {
  const step = opts.onStep ?? (() => undefined);
  const stores: string[] = [];
  const drvs: string[] = [];
  for (const t of targets) {
    if (t.startsWith(`${nix.storeDir}/`)) {
      // Checked here, not by Nix: a malformed path is a usage error, not a failure of Nix.
      const top = parse(storePathPrefix(t, nix.storeDir));
      (top.endsWith('.drv') ? drvs : stores).push(top);
    } else if (opts.isFile(t)) {
      step(`evaluating ${t}${opts.attrs.map((a) => ` -A ${a}`).join('')} (nix-instantiate)`);
      drvs.push(...(await nix.instantiate(t, opts.attrs, signal)));
    } else if (t.includes('#') || t.includes(':')) {
      step(`evaluating ${t} (nix path-info --derivation)`);
      drvs.push(...(await nix.installableDerivation(t, signal)));
    } else if (/^\.{0,2}\/|\.nix$/.test(t)) {
      throw new TargetError(`${t}: no such file`);
    } else {
      throw new TargetError(`${t}: not a store path, a Nix file or an installable (FLAKE#ATTR)`);
    }
  }
  // Most targets are in the local store: their closure is asked for at once, beside the
  // validity check, so a one-path check waits for one nix-store, not two in a row. When
  // some target is not valid, `nix-store -qR` fails and the valid ones are asked again.
  if (stores.length > 0) step(`listing the closure of ${count(stores.length, 'path')} (nix-store -qR)`);
  const whole = stores.length > 0 ? nix.closure(stores, signal).catch(() => undefined) : Promise.resolve([]);
  const valid = await nix.validPaths(stores, signal);
  const missing = stores.filter((p) => !valid.has(p));
  let local = missing.length === 0 ? await whole : undefined;
  if (local === undefined) {
    if (valid.size > 0) step(`listing the closure of ${count(valid.size, 'path')} in the local store (nix-store -qR)`);
    local = await nix.closure([...valid], signal);
  }
  if (drvs.length > 0) step(`listing the outputs of ${count(drvs.length, 'derivation')} and their inputs (nix derivation show -r)`);
  const outputs = await nix.derivationOutputs(drvs, signal);
  const all = [...new Set([...local, ...missing, ...outputs])];
  return { paths: all.map((p) => parse(p)), walk: missing.length > 0 };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function storePathPrefix(t: string, storeDir: string): string {
  const rest = t.slice(storeDir.length + 1);
  const base = rest.split('/')[0] ?? '';
  return `${storeDir}/${base}`;
}

function parse(p: string): StorePath {
  try {
    return parseStorePath(p);
  } catch (e) {
    throw new TargetError(`${p}: ${e instanceof Error ? e.message : e}`);
  }
}
