/**
 * Real caches for integration tests: real Nix builds the demo closure as four
 * builders would (a, b honest; c lies about `contested`; d honest but lacks
 * `contested` and `rare`; NARs compressed xz, zstd, bzip2 and none), a fifth
 * cache is a forgery of a's, and each is served
 * over HTTP on 127.0.0.1. Tests run the CLI in process (test/cli/run.ts).
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { buildDemoCaches, forget, type DemoBuild } from '../../src/demo/caches.ts';
import { generateSecretKey } from '../../src/nixfmt/index.ts';
import { serveDirectory, type StaticCache } from '../../src/demo/static.ts';
import type { RunResult } from '../cli/run.ts';

export const HOOK = new URL('../../hooks/post-build-hook', import.meta.url).pathname;

export interface Fixture {
  readonly dir: string;
  readonly build: DemoBuild;
  readonly servers: Readonly<Record<string, StaticCache>>;
  readonly keys: Readonly<Record<string, string>>;
  /** A port nothing listens on. */
  readonly deadUrl: string;
  hashOf(cache: string, attr: string): Promise<string>;
  config(logs: readonly { name: string; cache?: string; url?: string }[], extra?: string): Promise<string>;
  close(): Promise<void>;
}

export function hasNix(): boolean {
  try {
    return execaSync('nix', ['--version'], { reject: false }).exitCode === 0;
  } catch {
    return false;
  }
}

export async function makeFixture(): Promise<Fixture> {
  const dir = await mkdtemp(join(tmpdir(), 'tv-test-'));
  const build = await buildDemoCaches(dir, randomBytes(6).toString('hex'), [
    { name: 'a', flavour: 'honest', publish: ['app'] },
    { name: 'b', flavour: 'honest', publish: ['app'], omit: ['rare'], compression: 'zstd' },
    { name: 'c', flavour: 'tampered', publish: ['app'], omit: ['rare'], compression: 'bzip2' },
    { name: 'd', flavour: 'honest', publish: ['app'], omit: ['rare', 'contested'], compression: 'none' },
  ]);
  const keys: Record<string, string> = {};
  const dirs: Record<string, string> = {};
  for (const c of build.caches) [keys[c.name], dirs[c.name]] = [c.publicKey, c.dir];
  // The forgery: a's narinfo for `contested`, with c's NarHash but a's signature.
  const forged = join(dir, 'cache-forged');
  await cp(dirs['a']!, forged, { recursive: true });
  const hp = hashPart(build.paths.contested);
  const liar = await narinfoField(join(dirs['c']!, `${hp}.narinfo`), 'NarHash');
  const text = await readFile(join(forged, `${hp}.narinfo`), 'utf8');
  await writeFile(join(forged, `${hp}.narinfo`), text.replace(/^NarHash: .*$/m, `NarHash: ${liar}`));
  dirs['forged'] = forged;
  keys['forged'] = keys['a']!;
  const servers: Record<string, StaticCache> = {};
  for (const [name, d] of Object.entries(dirs)) servers[name] = await serveDirectory(d);
  const dead = await serveDirectory(dir);
  const deadUrl = dead.url;
  await dead.close();
  return {
    dir,
    build,
    servers,
    keys,
    deadUrl,
    hashOf: (cache, attr) => narinfoField(join(dirs[cache]!, `${hashPart(build.paths[attr as 'app'])}.narinfo`), 'NarHash'),
    async config(logs, extra = '') {
      const file = join(dir, `config-${randomBytes(4).toString('hex')}.ini`);
      const sections = logs.map((l) => {
        const cache = l.cache ?? l.name;
        const url = l.url ?? servers[cache]?.url ?? deadUrl;
        const key = keys[cache] ?? generateSecretKey(`${l.name}-1`).public;
        return `[log.${l.name}]\nkind = binary-cache\nurl = ${url}\nkey = ${key}\n`;
      });
      // Every run records in the fixture's own state directory, never the machine's.
      const state = extra.includes('[state]') ? '' : `[state]\ndir = ${join(dir, 'state')}\n`;
      await writeFile(file, `${state}${extra}\n${sections.join('\n')}`);
      return file;
    },
    async close() {
      await Promise.all(Object.values(servers).map((s) => s.close()));
      await forget(Object.values(build.paths)).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface JsonDecision {
  path: string;
  verdict: 'trusted' | 'untrusted';
  narHash: string | null;
  agree: string[];
  disagree: { log: string; narHash: string }[];
  missing: { log: string; kind: string; reason: string }[];
  faults: { log: string; kind: string; reason: string }[];
  reason: string;
}

export function decisionsOf(r: RunResult): Map<string, JsonDecision> {
  let list: JsonDecision[];
  try {
    list = JSON.parse(r.stdout) as JsonDecision[];
  } catch {
    throw new Error(`not JSON (exit ${r.exitCode}): ${r.stdout}\n${r.stderr}`);
  }
  return new Map(list.map((d) => [d.path, d]));
}

function hashPart(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1, p.lastIndexOf('/') + 33);
}

async function narinfoField(file: string, field: string): Promise<string> {
  const m = new RegExp(`^${field}: (.*)$`, 'm').exec(await readFile(file, 'utf8'));
  if (!m?.[1]) throw new Error(`${file} has no ${field}`);
  return m[1];
}
