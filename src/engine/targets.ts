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

export async function resolveTargets(
  targets: readonly string[],
  opts: { attrs: readonly string[]; isFile: (p: string) => boolean },
  nix: NixOps,
  signal: AbortSignal,
): Promise<Roots> {
  const stores: string[] = [];
  const drvs: string[] = [];
  for (const t of targets) {
    if (t.startsWith(`${nix.storeDir}/`)) {
      // Checked here, not by Nix: a malformed path is a usage error, not a failure of Nix.
      const top = parse(storePathPrefix(t, nix.storeDir));
      (top.endsWith('.drv') ? drvs : stores).push(top);
    } else if (opts.isFile(t)) {
      drvs.push(...(await nix.instantiate(t, opts.attrs, signal)));
    } else if (t.includes('#') || t.includes(':')) {
      drvs.push(...(await nix.installableDerivation(t, signal)));
    } else if (/^\.{0,2}\/|\.nix$/.test(t)) {
      throw new TargetError(`${t}: no such file`);
    } else {
      throw new TargetError(`${t}: not a store path, a Nix file or an installable (FLAKE#ATTR)`);
    }
  }
  const valid = await nix.validPaths(stores, signal);
  const missing = stores.filter((p) => !valid.has(p));
  const local = await nix.closure([...valid], signal);
  const outputs = await nix.derivationOutputs(drvs, signal);
  const all = [...new Set([...local, ...missing, ...outputs])];
  return { paths: all.map((p) => parse(p)), walk: missing.length > 0 };
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
