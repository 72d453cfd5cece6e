/**
 * bench/substitute: the performance figure for `serve`. Real `nix-store -r ROOT` of a
 * closure of N+1 small paths (built here with real Nix, fresh each run) through
 * `trustix-vote serve` voting over 3 upstream caches, against the same closure
 * substituted directly from one of those caches, alternating in the same run.
 * Targets: ratio serve/direct ≤ 1.3; peak RSS (VmHWM) of serve < 150 MB.
 * Figures are printed, never asserted. The 3 caches are `nix copy --to file://` dirs
 * served by src/demo/static.ts inside this process; serve runs as its own node
 * process, started before the clock starts (a daemon's start-up is not counted), once
 * fresh and once warmed up on other paths (see substitute/warmup.ts).
 *
 * Run: node --import tsx bench/substitute.ts [N=500] [ROUNDS=5]
 *   SUBST_MAX_JOBS=k   max-jobs for both substitutions (Nix 2.8 substitutes at most
 *                      max-jobs paths at once; default: Nix's default, 1)
 *   NARINFO_TTL0=1     set both narinfo cache TTLs to 0 (default: Nix's own, what a user
 *                      has). With TTL 0, Nix 2.8 asks for every narinfo ~5 times instead
 *                      of ~once, so both sides answer 5× the requests and the direct
 *                      baseline is slower; the bench's XDG_CACHE_HOME is fresh either way
 *   BENCH_TSX=1        run serve with tsx instead of dist/ (adds start-up cost)
 *   SERVE_NODE_ARGS    extra node options for serve, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 *   WARMUP=W           paths serve votes on before the "warm" runs (default 2000: about
 *                      one NixOS system closure; V8 reaches its steady speed on serve's
 *                      hot paths after ~2000 decisions, and a daemon has seen that many)
 *   KEEP=1             keep the temp dir (caches, config, serve's stderr)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveDirectory, type StaticCache } from '../src/demo/static.ts';
import { buildClosure, publish, removeBenchState, run, writeExpr, type BuiltClosure, type PublishedCache } from './substitute/closure.ts';
import { median, substitute as substituteVia, type Timed } from './substitute/nix-store.ts';
import { warmUp, writeWarmup } from './substitute/warmup.ts';
import { chooseCli, counterBy, histogramBy, keygen, startServe, type Running } from './substitute/serve.ts';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 5);
const MAX_JOBS = process.env['SUBST_MAX_JOBS'];
const TTL0 = process.env['NARINFO_TTL0'] === '1';
const WARMUP = Number(process.env['WARMUP'] ?? 2000);
const LOGS = 3;
if (!(N >= 1) || !(ROUNDS >= 1)) throw new Error('usage: bench/substitute.ts [N>=1] [ROUNDS>=1]');

const say = (s: string) => void process.stderr.write(`${s}\n`);
const tStart = performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pct = (xs: readonly number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

const dir = await mkdtemp(join(tmpdir(), 'bench-substitute-'));
const statics: StaticCache[] = [];
let serve: Running | undefined;
let closure: BuiltClosure | undefined;
let cleaned = false;

async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  serve?.kill();
  await Promise.all(statics.map((s) => s.close()));
  await removeBenchState(closure, dir, say);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
}

const substitute = (c: BuiltClosure, url: string, key: string, tag: string): Promise<Timed> =>
  substituteVia(c, url, key, tag, { dir, maxJobs: MAX_JOBS, ttl0: TTL0 });

interface ServeRound extends Timed {
  readonly peakRssKb: number;
  readonly summary: string;
}

try {
  const salt = randomBytes(6).toString('hex');
  const nixVersion = await run('nix', ['--version']);
  say(`bench/substitute: N=${N}, ${ROUNDS} rounds, salt ${salt}, temp dir ${dir}`);

  // 1. The closure.
  const { file, shape } = await writeExpr(dir, N, salt);
  say(`building ${N + 1} derivations (DAG depth ${shape.depth}, root refers to ${shape.tops.length} paths)…`);
  const tBuild = performance.now();
  closure = await buildClosure(file, N + 1, say);
  const c = closure;
  const buildMs = performance.now() - tBuild;
  say(`built in ${secs(buildMs)}: ${c.root}`);

  // 2. Three caches, each signed by its own key, each on its own HTTP server.
  const tPub = performance.now();
  const caches: PublishedCache[] = [];
  for (let i = 1; i <= LOGS; i++) {
    caches.push(await publish(dir, `tvbench-${salt}-c${i}`, c.root));
    say(`  published cache ${i}/${LOGS}`);
  }
  const warmup = await writeWarmup(caches, WARMUP);
  for (const cache of caches) statics.push(await serveDirectory(cache.dir));
  const pubMs = performance.now() - tPub;
  say(`published in ${secs(pubMs)}`);

  // 3. serve's key and config.
  const cli = await chooseCli(say);
  const serveSec = join(dir, 'serve.sec');
  const servePub = await keygen(cli, `tvbench-serve-${salt}-1`, serveSec, join(dir, 'serve.pub'));
  const config = join(dir, 'bench.ini');
  await writeFile(config, [
    `[serve]\nsigning-key = ${serveSec}\n[state]\ndir = ${join(dir, 'state')}\njournal = ${process.env['JOURNAL'] ?? 'on'}\n`,
    ...caches.map((cache, i) => `[log.c${i + 1}]\nkind = binary-cache\nurl = ${statics[i]!.url}\nkey = ${cache.publicKey}\n`),
  ].join('\n'));

  async function direct(round: number): Promise<Timed> {
    const before = statics[0]!.requests;
    const t = await substitute(c, statics[0]!.url, caches[0]!.publicKey, `direct-${round}`);
    say(`  round ${round} direct: ${secs(t.ms)} (narinfo walk ${secs(t.queryMs)}); ${statics[0]!.requests - before} requests to cache 1`);
    return t;
  }

  async function viaServe(round: number, warm: boolean): Promise<ServeRound> {
    const tag = `serve-${warm ? 'warm' : 'fresh'}-${round}`;
    serve = await startServe(cli, config, join(dir, `${tag}.stderr`));
    const warmMs = warm ? await warmUp(serve.url, warmup) : 0;
    const before = statics.map((st) => st.requests);
    const cpuBefore = await serve.cpuMs();
    const t = await substitute(c, serve.url, servePub, tag);
    const { peakRssKb, cpuMs, metrics, exitCode, decisions: all } = await serve.stop();
    const idleRssKb = serve.idleRssKb;
    serve = undefined;
    await writeFile(join(dir, `${tag}.metrics`), metrics);
    if (exitCode !== 0) say(`  serve exited ${exitCode}`);
    const ds = all.filter((d) => d.path === null || !d.path.includes('-tvbench-warmup-'));
    const ms = ds.map((d) => d.ms);
    const verdicts = Object.entries(ds.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.verdict]: (acc[d.verdict] ?? 0) + 1 }), {}));
    const requests = counterBy(metrics, 'trustix_vote_requests_total', 'route');
    const reqSec = histogramBy(metrics, 'trustix_vote_request_seconds', 'route');
    const upstream = statics.map((st, i) => st.requests - before[i]!);
    const summary = [
      `RSS idle ${(idleRssKb / 1024).toFixed(0)} MB, peak ${(peakRssKb / 1024).toFixed(1)} MB; CPU ${secs(cpuMs - cpuBefore)} while nix ran, ${secs(cpuMs)} in all${warm ? ` (warm-up of ${warmup.paths.length} paths took ${secs(warmMs)})` : ''}`,
      `closure decisions ${ds.length} (${verdicts.map(([v, k]) => `${k} ${v}`).join(', ')}), ms p50 ${pct(ms, 0.5)} p90 ${pct(ms, 0.9)} max ${Math.max(...ms)}`,
      `requests${warm ? ' incl. warm-up' : ''} ${Object.entries(requests).map(([r, k]) => `${r} ${k}`).join(', ')}`,
      `mean ms ${Object.entries(reqSec).map(([r, h]) => `${r} ${(1000 * h.sum / Math.max(1, h.count)).toFixed(1)}`).join(', ')}`,
      `upstream requests while nix ran ${upstream.join('/')}`,
    ].join('; ');
    say(`  round ${round} serve ${warm ? 'warm ' : 'fresh'}: ${secs(t.ms)} (narinfo walk ${secs(t.queryMs)}); ${summary}`);
    return { ...t, peakRssKb, summary };
  }

  // 4. Alternating rounds: direct, serve in a fresh process, serve warmed up (and back).
  const directRounds: Timed[] = [];
  const freshRounds: ServeRound[] = [];
  const warmRounds: ServeRound[] = [];
  const steps = [
    async (round: number) => void directRounds.push(await direct(round)),
    async (round: number) => void freshRounds.push(await viaServe(round, false)),
    async (round: number) => void warmRounds.push(await viaServe(round, true)),
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const step of round % 2 === 1 ? steps : [...steps].reverse()) await step(round);
  }

  // 5. Figures.
  const d = median(directRounds.map((r) => r.ms));
  const sFresh = median(freshRounds.map((r) => r.ms));
  const sWarm = median(warmRounds.map((r) => r.ms));
  const peak = (rs: readonly ServeRound[]) => `${(Math.max(...rs.map((r) => r.peakRssKb)) / 1024).toFixed(1)} MB [${rs.map((r) => (r.peakRssKb / 1024).toFixed(1)).join(', ')}]`;
  // This machine's speed drifts over tens of seconds; a serve run is compared with the
  // direct run of its own round, measured next to it.
  const roundRatios = (rs: readonly Timed[]) => rs.map((r, i) => r.ms / directRounds[i]!.ms);
  const list = (rs: readonly Timed[]) => rs.map((r) => `${secs(r.ms)} (walk ${secs(r.queryMs)})`).join(', ');
  const cpu = cpus();
  const out = [
    `machine: ${cpu[0]?.model ?? '?'} × ${cpu.length}, node ${process.version}, ${nixVersion}`,
    `closure: ${N + 1} paths (N=${N} + root), DAG depth ${shape.depth}, xz NARs in file:// caches on 127.0.0.1; built in ${secs(buildMs)}, published to ${LOGS} caches in ${secs(pubMs)}`,
    `nix-store -r ROOT, fresh XDG_CACHE_HOME, narinfo TTLs ${TTL0 ? '0' : "Nix's defaults"}, max-jobs ${MAX_JOBS ?? 'default (1)'}; serve: ${cli.label}, started before timing; ${ROUNDS} alternating rounds`,
    `("walk": until Nix printed "these N paths will be fetched"; "fresh": serve just started, as under socket activation;`,
    ` "warm": serve first voted ${warmup.paths.length} other paths, as a running daemon has; verdicts of the closure are cold in both)`,
    `direct from cache 1:               ${list(directRounds)}   median ${secs(d)}`,
    `via serve, 3 logs voting, fresh:   ${list(freshRounds)}   median ${secs(sFresh)}`,
    `via serve, 3 logs voting, warm:    ${list(warmRounds)}   median ${secs(sWarm)}`,
    `ratio serve/direct, median of each round's own ratio: fresh ${median(roundRatios(freshRounds)).toFixed(2)}, warm ${median(roundRatios(warmRounds)).toFixed(2)} (target ≤ 1.3)`,
    `  per round: fresh ${roundRatios(freshRounds).map((r) => r.toFixed(2)).join(', ')}; warm ${roundRatios(warmRounds).map((r) => r.toFixed(2)).join(', ')}`,
    `  ratio of the medians: fresh ${(sFresh / d).toFixed(2)}, warm ${(sWarm / d).toFixed(2)}`,
    `serve peak RSS (VmHWM, target < 150 MB): fresh ${peak(freshRounds)}; warm ${peak(warmRounds)}`,
    ...freshRounds.map((r, i) => `serve fresh, round ${i + 1}: ${r.summary}`),
    ...warmRounds.map((r, i) => `serve warm,  round ${i + 1}: ${r.summary}`),
  ];
  await cleanUp();
  out.push(`bench took ${secs(performance.now() - tStart)} in all`);
  console.log(out.join('\n'));
} finally {
  await cleanUp();
}
