/**
 * bench/scale: `check` and `serve` on whole-system closures. For each size, a synthetic
 * closure of signed narinfos (bench/synthetic.ts) served by 4 loopback caches, and per
 * round, one after the other:
 *   - nix direct: `nix path-info -r --store CACHE ROOT` from one cache, Nix's default
 *     narinfo TTLs, a fresh narinfo cache;
 *   - floor: undici fetching all 4×N narinfos at check's concurrency (scale/parts.ts);
 *   - check: `trustix-vote check --json` of ROOT over the 4 caches, peak RSS;
 *   - serve: a fresh `trustix-vote serve` over the 4 caches (started before the clock,
 *     with a fresh state directory), and `nix path-info -r --store SERVE ROOT` timed the
 *     same way as nix direct; serve's peak RSS (VmHWM);
 *   - proxy floor: the same walk through bench/proxy-floor.ts, a process that fetches
 *     each narinfo from the 4 caches and answers with the first, nothing else: what
 *     serve's shape (four fetches a path, one more hop, one Node process) costs here.
 * Each ratio is taken within its round. Targets: check ≤ 1.5× nix direct and ≤ 2× the
 * floor at 2,000 paths; check's peak RSS < 300 MB at 50,000; serve ≤ 1.3× nix direct
 * at 2,000 and 20,000, peak RSS < 150 MB. Printed, never asserted.
 *
 * The closure has max(12, N/1000) levels (12 at 2,000 as in bench/check, 50 at 50,000).
 * `[query] deadline` is an hour: on a loaded machine a 50,000-path check can take
 * longer than the default minute, and paths past the deadline would fault.
 *
 * Run: npm run build && node --import tsx bench/scale.ts [SIZES=2000,20000,50000] [ROUNDS=3]
 *   e.g. node --import tsx bench/scale.ts 2000,20000 2
 *   SERVE_UP_TO=N   walk through serve only for sizes up to N (serve's walk is the longest
 *                   part: on a loaded 2-core machine, about 30 ms per path in Nix's walk)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';
import { check, floor, mb, median, nixWalk, ratio, secs, spread, uptime, type Run } from './scale/parts.ts';
import { chooseCli, keygen, startProxyFloor, startServe } from './substitute/serve.ts';

const SIZES = (process.argv[2] ?? '2000,20000,50000').split(',').map(Number);
const ROUNDS = Number(process.argv[3] ?? 3);
if (SIZES.some((n) => !(n >= 2)) || !(ROUNDS >= 1)) throw new Error('usage: bench/scale.ts [SIZES=2000,20000,50000] [ROUNDS=3]');
const SERVE_UP_TO = Number(process.env['SERVE_UP_TO'] ?? Infinity);
const say = (s: string) => void process.stderr.write(`${s}\n`);

const dir = await mkdtemp(join(tmpdir(), 'bench-scale-'));
const cli = await chooseCli(say);
const serveKey = join(dir, 'serve.sec');
await keygen(cli, 'bench-scale-serve-1', serveKey, join(dir, 'serve.pub'));

interface Round { readonly nix: Run; readonly floor: Run; readonly check: Run; readonly serve: Run | undefined; readonly proxy: Run | undefined }
interface Size { readonly n: number; readonly rounds: readonly Round[]; readonly load: string }
const results: Size[] = [];

for (const n of SIZES) {
  const sizeDir = join(dir, `n${n}`);
  await mkdir(sizeDir);
  const t0 = performance.now();
  const { paths, refs } = syntheticPaths(n, Math.max(12, Math.round(n / 1000)));
  const caches = await Promise.all(['a', 'b', 'c', 'd'].map((c) => serveSynthetic(`scale-${c}`, paths, refs)));
  say(`${n} paths × 4 caches signed and served in ${secs(performance.now() - t0)}`);
  const logs = caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`).join('\n');
  const config = join(sizeDir, 'check.ini');
  await writeFile(config, `${logs}\n[query]\ndeadline = 3600\n`);
  const root = paths[0]!;
  const rounds: Round[] = [];
  const loads = [await uptime()];
  for (let r = 0; r < ROUNDS; r++) {
    const nix = await nixWalk(caches[0]!.url, root, n, sizeDir, caches);
    const fl = await floor(caches, paths, sizeDir);
    const ch = await check(cli.argv, config, root, n, sizeDir, caches);
    const serve = n <= SERVE_UP_TO ? await serveWalk(r) : undefined;
    const proxy = n <= SERVE_UP_TO ? await proxyWalk() : undefined;
    rounds.push({ nix, floor: fl, check: ch, serve, proxy });
    say(`  round ${r + 1}: nix ${secs(nix.ms)} (${nix.gets} GETs), floor ${secs(fl.ms)} (${fl.gets}), check ${secs(ch.ms)} (${ch.gets}, peak ${mb(ch.peakKb ?? NaN)}), `
      + `${serve === undefined ? 'serve not run' : `serve ${secs(serve.ms)} (${serve.gets} upstream GETs, peak ${mb(serve.peakKb ?? NaN)}), proxy floor ${secs(proxy?.ms ?? NaN)}`}; load ${await uptime()}`);
  }
  loads.push(await uptime());
  results.push({ n, rounds, load: loads.join(' → ') });
  await Promise.all(caches.map((c) => c.close()));
  await rm(sizeDir, { recursive: true, force: true });

  /** Nix's walk through bench/proxy-floor.ts over the 4 caches: four fetches a narinfo, nothing else. */
  async function proxyWalk(): Promise<Run> {
    const proxy = await startProxyFloor(caches.map((c) => c.url), sizeDir);
    try {
      return await nixWalk(proxy.url, root, n, sizeDir, caches);
    } finally {
      await proxy.stop();
    }
  }

  /** A fresh serve over the 4 caches, walked by Nix; its peak RSS read before it stops. */
  async function serveWalk(round: number): Promise<Run> {
    const serveConfig = join(sizeDir, `serve-${round}.ini`);
    await writeFile(serveConfig, `${logs}\n[query]\ndeadline = 3600\n[serve]\nsigning-key = ${serveKey}\n[state]\ndir = ${join(sizeDir, `state-${round}`)}\n`);
    const serve = await startServe(cli, serveConfig, join(sizeDir, `serve-${round}.log`));
    try {
      const walked = await nixWalk(serve.url, root, n, sizeDir, caches);
      const stopped = await serve.stop();
      return { ms: walked.ms, gets: walked.gets, peakKb: stopped.peakRssKb };
    } catch (e) {
      serve.kill();
      throw e;
    }
  }
}
await rm(dir, { recursive: true, force: true });

console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, ${(await execa('nix', ['--version'])).stdout}; CLI: ${cli.label}`);
for (const { n, rounds, load } of results) {
  const col = (f: (r: Round) => number, fmt: (x: number) => string) => spread(rounds.map(f), fmt);
  console.log(`\n${n} paths × 4 logs, ${rounds.length} rounds, load ${load}`);
  console.log(`  nix direct (1 cache)   ${col((r) => r.nix.ms, secs)}; GETs ${rounds.map((r) => r.nix.gets).join(', ')}`);
  console.log(`  undici floor (4 caches) ${col((r) => r.floor.ms, secs)}; GETs ${rounds.map((r) => r.floor.gets).join(', ')}`);
  console.log(`  check                  ${col((r) => r.check.ms, secs)}; GETs ${rounds.map((r) => r.check.gets).join(', ')}`);
  console.log(`  nix through serve      ${col((r) => r.serve?.ms ?? NaN, secs)}; upstream GETs ${rounds.map((r) => r.serve?.gets ?? '-').join(', ')}`);
  console.log(`  nix through proxy floor ${col((r) => r.proxy?.ms ?? NaN, secs)}`);
  console.log(`  check / nix direct     ${col((r) => r.check.ms / r.nix.ms, ratio)}`);
  console.log(`  check / floor          ${col((r) => r.check.ms / r.floor.ms, ratio)}`);
  console.log(`  serve / nix direct     ${col((r) => (r.serve?.ms ?? NaN) / r.nix.ms, ratio)}`);
  console.log(`  serve / floor          ${col((r) => (r.serve?.ms ?? NaN) / r.floor.ms, ratio)}`);
  console.log(`  proxy floor / nix      ${col((r) => (r.proxy?.ms ?? NaN) / r.nix.ms, ratio)}`);
  console.log(`  serve / proxy floor    ${col((r) => (r.serve?.ms ?? NaN) / (r.proxy?.ms ?? NaN), ratio)}`);
  console.log(`  peak RSS check         ${col((r) => r.check.peakKb ?? NaN, mb)}`);
  console.log(`  peak RSS serve         ${col((r) => r.serve?.peakKb ?? NaN, mb)}`);
}
console.log('\n| paths | nix direct | floor | check | check / nix | check / floor | serve | serve / nix | serve / floor | proxy floor | proxy / nix | serve / proxy | peak RSS check | peak RSS serve |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const { n, rounds } of results) {
  const m = (f: (r: Round) => number, fmt: (x: number) => string) => fmt(median(rounds.map(f)));
  const rr = (f: (r: Round) => number) => `${m(f, ratio)} (${rounds.map((r) => ratio(f(r))).join(', ')})`;
  console.log(`| ${n.toLocaleString('en')} | ${m((r) => r.nix.ms, secs)} | ${m((r) => r.floor.ms, secs)} | ${m((r) => r.check.ms, secs)} | ${rr((r) => r.check.ms / r.nix.ms)} | ${rr((r) => r.check.ms / r.floor.ms)} `
    + `| ${m((r) => r.serve?.ms ?? NaN, secs)} | ${rr((r) => (r.serve?.ms ?? NaN) / r.nix.ms)} | ${rr((r) => (r.serve?.ms ?? NaN) / r.floor.ms)} `
    + `| ${m((r) => r.proxy?.ms ?? NaN, secs)} | ${rr((r) => (r.proxy?.ms ?? NaN) / r.nix.ms)} | ${rr((r) => (r.serve?.ms ?? NaN) / (r.proxy?.ms ?? NaN))} | ${m((r) => r.check.peakKb ?? NaN, mb)} | ${m((r) => r.serve?.peakKb ?? NaN, mb)} |`);
}
