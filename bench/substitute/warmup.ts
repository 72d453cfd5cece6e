/**
 * Warming serve up without touching the measured closure: W extra narinfos (and tiny
 * NAR files) written into each cache dir, signed by that cache's own key, that serve
 * is then asked for the way Nix asks (narinfo, then the NAR it names). Afterwards
 * V8 has compiled serve's hot paths, but no verdict of the closure is cached.
 * A fresh serve process is what socket activation with --idle-exit gives; a warm
 * one is what a long-running daemon gives. The bench measures both.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeNix32, fingerprint, formatNarInfo, parseNarHash, parseSecretKey, parseStorePath, signFingerprint, type PathFacts, type StorePath,
} from '../../src/nixfmt/index.ts';

const NIX32 = '0123456789abcdfghijklmnpqrsvwxyz';

export interface WarmupSet {
  readonly paths: readonly StorePath[];
  /** What every cache says about each path (for a Trustix log that built them too). */
  readonly facts: readonly PathFacts[];
}

/** Writes `count` agreeing narinfos into every cache dir, each signed with that cache's secret key. */
export async function writeWarmup(caches: readonly { dir: string; secretKeyFile: string }[], count: number): Promise<WarmupSet> {
  const paths: StorePath[] = [];
  const facts: PathFacts[] = [];
  const bytes = randomBytes(count * 32);
  for (let i = 0; i < count; i++) {
    const hash = Array.from(bytes.subarray(i * 32, i * 32 + 32), (b) => NIX32[b % 32]).join('');
    paths.push(parseStorePath(`/nix/store/${hash}-tvbench-warmup-${i}`));
  }
  for (const cache of caches) {
    const key = parseSecretKey((await readFile(cache.secretKeyFile, 'utf8')).trim());
    await mkdir(join(cache.dir, 'nar'), { recursive: true });
    for (const [i, p] of paths.entries()) {
      const hp = p.slice(11, 43);
      const nar = Buffer.from(`warm-up NAR ${p}\n`);
      const narHash = parseNarHash(`sha256:${encodeNix32(createHash('sha256').update(nar).digest())}`);
      // A few references, so serve's prefetch runs as it does for a real closure.
      const references = paths.slice(Math.max(0, i - 3), i);
      const f: PathFacts = { path: p, narHash, narSize: nar.length, references };
      if (facts.length < paths.length) facts.push(f);
      await writeFile(join(cache.dir, 'nar', `${hp}.nar`), nar);
      await writeFile(join(cache.dir, `${hp}.narinfo`), formatNarInfo({
        ...f, url: `nar/${hp}.nar`, compression: 'none', sigs: [signFingerprint(fingerprint(f), key)],
      }));
    }
  }
  return { paths, facts };
}

/** Asks serve for every warm-up narinfo and the NAR it names, `concurrency` at a time. */
export async function warmUp(serveUrl: string, set: WarmupSet, concurrency = 8): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < set.paths.length) {
      const p = set.paths[next++]!;
      const res = await fetch(`${serveUrl}/${p.slice(11, 43)}.narinfo`);
      const text = await res.text();
      if (res.status !== 200) throw new Error(`warm-up: serve answered ${res.status} for ${p}: ${text.trim()}`);
      const url = /^URL: (.*)$/m.exec(text)?.[1];
      if (url === undefined) throw new Error(`warm-up: no URL in serve's narinfo for ${p}`);
      const nar = await fetch(`${serveUrl}/${url}`);
      await nar.arrayBuffer();
      if (nar.status !== 200) throw new Error(`warm-up: serve answered ${nar.status} for ${url}`);
    }
  }));
  return performance.now() - t0;
}
