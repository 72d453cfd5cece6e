/**
 * What bench/check and bench/scale measure, each as its own process so that none of
 * them shares an event loop with the synthetic caches (which run in the bench's):
 *
 * - Nix's own walk of a closure from one cache, `nix path-info -r --store URL ROOT`,
 *   with Nix's default narinfo TTLs and a fresh narinfo cache (XDG_CACHE_HOME) per run:
 *   what a user's Nix does the first time it meets the closure. (With both TTLs at 0,
 *   Nix 2.8 asks for every narinfo about three times and runs 2.6× slower.)
 * - The floor: undici fetching the same 4×N narinfos, every URL known up front, with
 *   the concurrency trustix-vote uses ([query] per-log connections per cache, the global
 *   limit over all), reading each body whole and doing nothing with it.
 * - `trustix-vote check`, its peak RSS read by /usr/bin/time (the whole process:
 *   main thread and workers).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { DEFAULT_QUERY } from '../../src/config/config.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import type { SyntheticCache } from '../synthetic.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface Run {
  readonly ms: number;
  /** GETs the caches answered during the run. */
  readonly gets: number;
  /** Peak RSS in kB, when known. */
  readonly peakKb?: number;
}

const requests = (caches: readonly SyntheticCache[]) => caches.reduce((n, c) => n + c.requests, 0);

/** Nix's own walk from `url`, the default TTLs, a fresh narinfo cache; the caches count the GETs. */
export async function nixWalk(url: string, root: StorePath, expect: number, tmp: string, counted: readonly SyntheticCache[]): Promise<Run> {
  const xdg = await mkdtemp(join(tmp, 'xdg-'));
  const env = { XDG_CACHE_HOME: xdg, NIX_CONFIG: 'experimental-features = nix-command\nsubstituters =' };
  const before = requests(counted);
  const t0 = performance.now();
  const r = await execa('nix', ['path-info', '-r', '--store', url, root], { env, reject: false, stdin: 'ignore', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  await rm(xdg, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`nix path-info -r --store ${url} failed (${r.exitCode}): ${String(r.stderr).slice(0, 1500)}`);
  const listed = String(r.stdout).trim().split('\n').length;
  if (listed !== expect) throw new Error(`nix listed ${listed} paths from ${url}, expected ${expect}`);
  return { ms, gets: requests(counted) - before };
}

// The floor's whole program, run by `node -e` from the repo root (so undici resolves):
// argv[1] is a JSON file of [[url, …] per cache]; prints nothing, exits 0 when every
// GET answered 200.
const FLOOR = `
const { Agent, request } = require('undici');
const [perLog, limit] = [Number(process.argv[2]), Number(process.argv[3])];
const lists = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
const agent = new Agent({ connections: perLog, pipelining: 1 });
let inFlight = 0; const waiting = [];
const slot = () => inFlight < limit ? (inFlight++, Promise.resolve()) : new Promise((r) => waiting.push(r));
const free = () => { const w = waiting.shift(); if (w) w(); else inFlight--; };
let bad = 0;
Promise.all(lists.map((urls) => { let next = 0; return Promise.all(Array.from({ length: perLog }, async () => {
  while (next < urls.length) { const u = urls[next++]; await slot();
    try { const res = await request(u, { dispatcher: agent }); await res.body.text(); if (res.statusCode !== 200) bad++; } finally { free(); } }
})); })).then(() => agent.close()).then(() => process.exit(bad === 0 ? 0 : 1));
`;

/** undici fetching every cache's narinfo of every path, at trustix-vote's concurrency. */
export async function floor(caches: readonly SyntheticCache[], paths: readonly StorePath[], tmp: string): Promise<Run> {
  const file = join(tmp, 'floor-urls.json');
  if (!existsSync(file)) await writeFile(file, JSON.stringify(caches.map((c) => paths.map((p) => `${c.url}/${p.slice(11, 43)}.narinfo`))));
  const before = requests(caches);
  const t0 = performance.now();
  const r = await execa('node', ['-e', FLOOR, file, String(DEFAULT_QUERY.perLog), String(DEFAULT_QUERY.concurrency)], { cwd: ROOT, reject: false, stdin: 'ignore' });
  const ms = performance.now() - t0;
  if (r.exitCode !== 0) throw new Error(`the undici floor failed (${r.exitCode}): ${String(r.stderr).slice(0, 1500)}`);
  return { ms, gets: requests(caches) - before };
}

/** Runs `argv` under /usr/bin/time for its peak RSS when that exists. */
export async function timedProcess(argv: readonly string[], tmp: string, env: Record<string, string> = {}): Promise<{ ms: number; peakKb?: number; stdout: string; stderr: string; exitCode: number }> {
  const timeFile = join(tmp, 'time.out');
  const wrapped = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-o', timeFile, '-f', '%M', ...argv] : [...argv];
  const t0 = performance.now();
  const r = await execa(wrapped[0]!, wrapped.slice(1), { env, reject: false, stdin: 'ignore', maxBuffer: 1024 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const peak = existsSync(timeFile) ? Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop()) : NaN;
  await rm(timeFile, { force: true });
  return { ms, ...(Number.isFinite(peak) && { peakKb: peak }), stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
}

/** `trustix-vote check --json` of the closure; every path must come out trusted. */
export async function check(cliArgv: readonly string[], config: string, root: StorePath, expect: number, tmp: string, caches: readonly SyntheticCache[]): Promise<Run> {
  const before = requests(caches);
  const r = await timedProcess(['node', ...cliArgv, 'check', '--json', '--config', config, root], tmp, { TRUSTIX_VOTE_TIMING: '1' });
  if (r.exitCode !== 0) throw new Error(`check failed (${r.exitCode}): ${r.stderr.slice(-800)}`);
  const decided = JSON.parse(r.stdout) as { verdict: string }[];
  const trusted = decided.filter((d) => d.verdict === 'trusted').length;
  if (decided.length !== expect || trusted !== expect) throw new Error(`check decided ${decided.length} paths, ${trusted} trusted; expected ${expect}`);
  return { ms: r.ms, gets: requests(caches) - before, ...(r.peakKb !== undefined && { peakKb: r.peakKb }) };
}

import { median } from '../stats.ts';

export { median };

/** "min 1.23 s, median 1.45 s [1.45, 1.23, 1.60]" */
export function spread(xs: readonly number[], fmt: (x: number) => string): string {
  return `min ${fmt(Math.min(...xs))}, median ${fmt(median(xs))}  [${xs.map(fmt).join(', ')}]`;
}

export const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
export const ratio = (x: number) => x.toFixed(2);
export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

export async function uptime(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}
