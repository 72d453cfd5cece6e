/**
 * Builds real signed binary caches with real Nix, one per builder: each builder
 * builds the demo derivations with its own flavour, signs the closure with its own
 * key, publishes the chosen attributes with `nix copy --to file://…`, and then
 * deletes the paths so the next builder starts from nothing (signatures would
 * otherwise accumulate in the local store).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEMO_NIX, type DemoAttr } from './nix-expr.ts';
import { demoNixEnv, nix as nixRun } from './nix-run.ts';

export interface BuilderSpec {
  readonly name: string;
  /** What this builder's `contested` contains; builders with another flavour disagree. */
  readonly flavour: string;
  /** Attributes whose closures it publishes. */
  readonly publish: readonly DemoAttr[];
  /** Attributes whose narinfo is then removed again: a cache that lacks a path. */
  readonly omit?: readonly DemoAttr[];
  /** NAR compression of this cache (Nix's default is xz). */
  readonly compression?: 'xz' | 'zstd' | 'bzip2' | 'gzip' | 'none';
}

export interface BuiltCache {
  readonly name: string;
  readonly dir: string;
  readonly publicKey: string;
  readonly secretKeyFile: string;
}

export interface DemoBuild {
  readonly exprFile: string;
  readonly salt: string;
  readonly flavourFile: string;
  readonly caches: readonly BuiltCache[];
  /** Output path of every attribute (the same for every builder). */
  readonly paths: Readonly<Record<DemoAttr, string>>;
}

/**
 * A signal stops the build between and during Nix commands; whatever the build leaves
 * in /nix/store is deleted again when it fails or stops.
 */
export async function buildDemoCaches(dir: string, salt: string, builders: readonly BuilderSpec[], signal?: AbortSignal): Promise<DemoBuild> {
  await mkdir(dir, { recursive: true });
  const exprFile = join(dir, 'demo.nix');
  const flavourFile = join(dir, 'flavour');
  await writeFile(exprFile, DEMO_NIX);
  const args = (attr: string) => [exprFile, '-A', attr, '--argstr', 'salt', salt, '--argstr', 'flavourFile', flavourFile];
  const nix = (cmd: string, a: readonly string[]) => nixRun(cmd, a, demoNixEnv(), signal);
  const paths = {} as Record<DemoAttr, string>;
  for (const attr of ['libfoo', 'contested', 'rare', 'app'] as const) {
    paths[attr] = await nix('nix-store', ['-q', '--outputs', await nix('nix-instantiate', args(attr))]);
  }
  try {
    const caches = await buildCaches(dir, builders, paths, args, nix);
    return { exprFile, salt, flavourFile, caches, paths };
  } catch (e) {
    await forget(Object.values(paths)).catch(() => undefined);
    throw e;
  }
}

type Run = (cmd: string, args: readonly string[]) => Promise<string>;

async function buildCaches(dir: string, builders: readonly BuilderSpec[], paths: Record<DemoAttr, string>, args: (attr: string) => string[], nix: Run): Promise<BuiltCache[]> {
  const flavourFile = join(dir, 'flavour');
  const caches: BuiltCache[] = [];
  for (const b of builders) {
    const cacheDir = join(dir, `cache-${b.name}`);
    const sec = join(dir, `${b.name}.sec`);
    const pub = join(dir, `${b.name}.pub`);
    await nix('nix-store', ['--generate-binary-cache-key', `${b.name}-1`, sec, pub]);
    await writeFile(flavourFile, `${b.flavour}\n`);
    const built: string[] = [];
    for (const attr of b.publish) built.push(await nix('nix-build', [...args(attr), '--no-out-link']));
    await nix('nix', ['store', 'sign', '-r', '--key-file', sec, ...built]);
    await mkdir(cacheDir, { recursive: true });
    if (built.length > 0) await nix('nix', ['copy', '--to', `file://${cacheDir}?compression=${b.compression ?? 'xz'}`, ...built]);
    else await writeFile(join(cacheDir, 'nix-cache-info'), 'StoreDir: /nix/store\n');
    for (const attr of b.omit ?? []) await rm(join(cacheDir, `${hashPart(paths[attr])}.narinfo`), { force: true });
    await forget(Object.values(paths));
    caches.push({ name: b.name, dir: cacheDir, publicKey: (await readFile(pub, 'utf8')).trim(), secretKeyFile: sec });
  }
  return caches;
}

const hashPart = (p: string) => p.slice(p.lastIndexOf('/') + 1, p.lastIndexOf('/') + 33);

/** Deletes whichever of these paths are valid, dependents first. */
export async function forget(paths: readonly string[]): Promise<void> {
  const valid = (await nixRun('nix-store', ['--check-validity', '--print-invalid', ...paths]).then(
    (out) => { const bad = new Set(out.split('\n')); return paths.filter((p) => !bad.has(p)); }));
  if (valid.length > 0) await nixRun('nix-store', ['--delete', ...valid]);
}
