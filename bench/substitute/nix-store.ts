/** One timed `nix-store -r ROOT` through a single substituter, as bench/substitute and its siblings run it. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { deleteAll, invalidOf, nixEnv, type BuiltClosure } from './closure.ts';

export interface Timed {
  readonly ms: number;
  /** Until Nix had walked the closure's narinfos; the rest is fetching NARs. */
  readonly queryMs: number;
  readonly copied: number;
}

export interface SubstituteOptions {
  /** Where Nix's stderr is kept (nix-TAG.stderr) and its XDG cache lives (xdg-TAG). */
  readonly dir: string;
  readonly maxJobs?: string | undefined;
  readonly ttl0: boolean;
}

/** Deletes the closure, then times `nix-store -r ROOT` with `url` as the only substituter and `key` as the only trusted key. */
export async function substitute(c: BuiltClosure, url: string, key: string, tag: string, o: SubstituteOptions): Promise<Timed> {
  await deleteAll(c.paths);
  const env = {
    ...nixEnv([`substituters = ${url}`, `trusted-public-keys = ${key}`, ...(o.maxJobs !== undefined ? [`max-jobs = ${o.maxJobs}`] : [])], o.ttl0),
    XDG_CACHE_HOME: join(o.dir, `xdg-${tag}`),
  };
  const t0 = performance.now();
  const proc = execa('nix-store', ['-r', c.root], { env, stdin: 'ignore', reject: false });
  // Nix prints "these N paths will be fetched" once it has walked the closure's narinfos.
  let queryMs = NaN;
  let head = '';
  proc.stderr?.on('data', (b: Buffer) => {
    if (!Number.isNaN(queryMs)) return;
    head += b.toString();
    if (head.includes(' will be fetched')) queryMs = performance.now() - t0;
  });
  const r = await proc;
  const ms = performance.now() - t0;
  const stderr = String(r.stderr);
  await writeFile(join(o.dir, `nix-${tag}.stderr`), stderr);
  if (r.exitCode !== 0) throw new Error(`nix-store -r via ${url} failed (${r.exitCode}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`);
  const invalid = await invalidOf(c.paths);
  if (invalid.length > 0) throw new Error(`after nix-store -r via ${url}, ${invalid.length} paths are not valid, e.g. ${invalid[0]}`);
  const copied = stderr.split('\n').filter((l) => l.startsWith('copying path ') && l.includes(`from '${url}'`)).length;
  if (copied !== c.paths.length) throw new Error(`nix copied ${copied} paths from ${url}, expected ${c.paths.length}`);
  return { ms, queryMs, copied };
}

export { median } from '../stats.ts';
