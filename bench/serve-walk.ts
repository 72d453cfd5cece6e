/**
 * bench/serve-walk: Nix walking a synthetic closure (`nix path-info -r`, Nix's default
 * narinfo TTLs, a fresh XDG_CACHE_HOME each time) through a fresh `trustix-vote serve`
 * over 4 loopback caches of signed narinfos, against Nix walking the same closure
 * straight from one of them, alternating in the same run. serve is started before the
 * clock starts. Prints per round both times and their ratio, serve's CPU and peak RSS,
 * and how many decisions serve made per path (1.00: nothing voted twice).
 * Target (issue #15): ratio ≤ 1.3 at 2,000 and at 20,000 paths.
 *
 * Run: npm run build && node --import tsx bench/serve-walk.ts [N=2000] [ROUNDS=3] [LEVELS=12]
 *   SERVE_NODE_ARGS  extra node options for serve, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   CACHE_SIZE       [serve] cache-size (default: serve's own)
 *   RSS_EVERY_MS     print serve's RSS sampled this often during its walk
 *   CACHE_LATENCY_MS every cache answer waits this long, as across a network (default 0:
 *                    loopback, where the walk measures CPU; Nix 2.8 asks one narinfo at a
 *                    time, so each millisecond here adds about N ms to the direct walk)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';
import { chooseCli, counterBy, keygen, startProxyFloor, startServe } from './substitute/serve.ts';
import { median } from './stats.ts';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 3);
const LEVELS = Number(process.argv[4] ?? 12);
const say = (s: string) => void process.stderr.write(`${s}\n`);

const dir = await mkdtemp(join(tmpdir(), 'bench-serve-walk-'));
say(`making ${N} synthetic paths in ${LEVELS} levels × 4 signed caches…`);
const { paths, refs } = syntheticPaths(N, LEVELS);
const caches = await Promise.all(['a', 'b', 'c', 'd'].map((n) => serveSynthetic(`walk-${n}`, paths, refs)));
const cli = await chooseCli(say);
const pub = await keygen(cli, 'bench-walk-1', join(dir, 'key.sec'), join(dir, 'key.pub'));
const config = join(dir, 'config.ini');
await writeFile(config, [
  ...caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`),
  `[serve]\nsigning-key = ${join(dir, 'key.sec')}\n${process.env['CACHE_SIZE'] === undefined ? '' : `cache-size = ${process.env['CACHE_SIZE']}\n`}`,
  `[state]\ndir = ${join(dir, 'state')}\njournal = ${process.env['JOURNAL'] ?? 'on'}\n`,
].join('\n'));
const root = paths[0]!;

async function walk(store: string, xdg: string): Promise<number> {
  const env = {
    XDG_CACHE_HOME: xdg,
    NIX_CONFIG: `experimental-features = nix-command\nsubstituters =\ntrusted-public-keys = ${pub}`,
  };
  const t0 = performance.now();
  const r = await execa('nix', ['path-info', '-r', '--store', store, root], { env, reject: false, stdin: 'ignore' });
  const ms = performance.now() - t0;
  const listed = String(r.stdout).trim().split('\n').length;
  if (r.exitCode !== 0 || listed !== N) throw new Error(`nix path-info via ${store}: exit ${r.exitCode}, ${listed} paths: ${String(r.stderr).slice(-400)}`);
  return ms;
}

console.log(`serve-walk: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${N} paths, ${LEVELS} levels, 4 caches; ${cli.label}`);
const direct: number[] = [];
const served: number[] = [];
const ratios: number[] = [];
const floors: number[] = [];
const overFloor: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const serve = await startServe(cli, config, join(dir, `serve-${round}.log`));
  const cpuAtStart = await serve.cpuMs();
  for (const c of caches) c.requests = 0;
  const viaFirst = round % 2 === 1;
  let d = 0;
  let s = 0;
  let upstreamGets = 0;
  let walkCpu = 0;
  let cachesCpuServe = 0;
  const viaServe = async () => {
    for (const c of caches) c.requests = 0;
    const cpu0 = await serve.cpuMs();
    const own0 = process.cpuUsage();
    const rss: number[] = [];
    const sampler = process.env['RSS_EVERY_MS'] === undefined ? undefined
      : setInterval(() => void readFile(`/proc/${serve.pid}/status`, 'utf8').then((t) => rss.push(Number(/^VmRSS:\s+(\d+)/m.exec(t)?.[1] ?? NaN))).catch(() => undefined), Number(process.env['RSS_EVERY_MS']));
    s = await walk(serve.url, join(dir, `xdg-s${round}`));
    if (sampler !== undefined) {
      clearInterval(sampler);
      say(`serve's RSS every ${process.env['RSS_EVERY_MS']} ms of the walk (MB): ${rss.map((k) => (k / 1024).toFixed(0)).join(' ')}`);
    }
    walkCpu = (await serve.cpuMs()) - cpu0;
    const own = process.cpuUsage(own0);
    cachesCpuServe = (own.user + own.system) / 1000;
    upstreamGets = caches.reduce((n, c) => n + c.requests, 0);
  };
  if (viaFirst) await viaServe();
  caches[0]!.requests = 0;
  const own0 = process.cpuUsage();
  d = await walk(caches[0]!.url, join(dir, `xdg-d${round}`));
  const ownD = process.cpuUsage(own0);
  const cachesCpuDirect = (ownD.user + ownD.system) / 1000;
  const directGets = caches[0]!.requests;
  if (!viaFirst) await viaServe();
  // The floor: four fetches per narinfo and one more hop, nothing else (bench/proxy-floor.ts).
  const proxy = await startProxyFloor(caches.map((c) => c.url), dir);
  const pcpu0 = await proxy.cpuMs();
  const p = await walk(proxy.url, join(dir, `xdg-p${round}`));
  const proxyCpu = (await proxy.cpuMs()) - pcpu0;
  await proxy.stop();
  floors.push(p);
  const stopped = await serve.stop();
  const decided = new Map<string, number>();
  for (const x of stopped.decisions) if (x.path !== null) decided.set(x.path, (decided.get(x.path) ?? 0) + 1);
  const votes = [...decided.values()].reduce((a, b) => a + b, 0);
  const asked = counterBy(stopped.metrics, 'trustix_vote_requests_total', 'route')['narinfo'] ?? 0;
  direct.push(d);
  served.push(s);
  ratios.push(s / d);
  overFloor.push(s / p);
  console.log(`round ${round + 1}: direct ${(d / 1000).toFixed(2)} s (${directGets} GETs), serve ${(s / 1000).toFixed(2)} s (${upstreamGets} upstream GETs), ratio ${(s / d).toFixed(2)}; proxy floor ${(p / 1000).toFixed(2)} s (${(p / d).toFixed(2)}× direct, its CPU ${(proxyCpu / 1000).toFixed(1)} s), serve / floor ${(s / p).toFixed(2)}; the caches' CPU ${(cachesCpuDirect / 1000).toFixed(1)} s direct, ${(cachesCpuServe / 1000).toFixed(1)} s through serve; serve CPU ${(walkCpu / 1000).toFixed(1)} s in the walk (${(cpuAtStart / 1000).toFixed(1)} s to start, ${(stopped.cpuMs / 1000).toFixed(1)} s in all), peak RSS ${(stopped.peakRssKb / 1024).toFixed(0)} MB, ${(votes / N).toFixed(2)} decisions per path (${decided.size} paths; Nix asked ${asked} narinfos); load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}
console.log(`direct min ${(Math.min(...direct) / 1000).toFixed(2)} s, median ${(median(direct) / 1000).toFixed(2)} s; serve min ${(Math.min(...served) / 1000).toFixed(2)} s, median ${(median(served) / 1000).toFixed(2)} s`);
console.log(`proxy floor min ${(Math.min(...floors) / 1000).toFixed(2)} s, median ${(median(floors) / 1000).toFixed(2)} s; serve / floor per round ${overFloor.map((r) => r.toFixed(2)).join(', ')}: median ${median(overFloor).toFixed(2)}`);
console.log(`ratio per round ${ratios.map((r) => r.toFixed(2)).join(', ')}: min ${Math.min(...ratios).toFixed(2)}, median ${median(ratios).toFixed(2)} (target ≤ 1.3)`);
await Promise.all(caches.map((c) => c.close()));
if (process.env['KEEP'] === '1') say(`kept ${dir}`);
else await rm(dir, { recursive: true, force: true });
