/**
 * bench/substitute-trustix: `serve` over two binary caches and one Trustix log against
 * `serve` over three binary caches, side by side in one run. Real `nix-store -r ROOT`
 * of a closure of N+1 small paths (built here with real Nix) through serve, alternating
 * the two configurations round by round (order swapped every other round). The Trustix
 * log is our own: `log init`, `log submit` of the closure from the local store, `log
 * serve` as its own process, read by serve's `kind = trustix` client with every proof
 * checked. It holds no NARs: with it, the NARs come from the two caches.
 * Target: ratio trustix/caches ≤ 1.1. Figures are printed, never asserted.
 *
 * Both serves are "warm" (they first vote on W other paths, which the Trustix log also
 * holds, as a running daemon has), or "fresh" with WARMUP=0.
 *
 * Run: node --import tsx bench/substitute-trustix.ts [N=500] [ROUNDS=5]
 *   WARMUP=W, NARINFO_TTL0=1, SUBST_MAX_JOBS=k, BENCH_TSX=1, SERVE_NODE_ARGS, KEEP=1: as bench/substitute.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveDirectory, type StaticCache } from '../src/demo/static.ts';
import { itemOf } from '../src/logserver/items.ts';
import { appendItems, openLog } from '../src/logserver/log.ts';
import { readLogSecret, statePaths } from '../src/logserver/state.ts';
import { buildClosure, publish, removeBenchState, run, writeExpr, type BuiltClosure, type PublishedCache } from './substitute/closure.ts';
import { median, substitute, type Timed } from './substitute/nix-store.ts';
import { chooseCli, counterBy, keygen, startServe, type Cli, type Running } from './substitute/serve.ts';
import { warmUp, writeWarmup } from './substitute/warmup.ts';

const N = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 5);
const WARMUP = Number(process.env['WARMUP'] ?? 2000);
const opts = { maxJobs: process.env['SUBST_MAX_JOBS'], ttl0: process.env['NARINFO_TTL0'] === '1' };
if (!(N >= 1) || !(ROUNDS >= 1)) throw new Error('usage: bench/substitute-trustix.ts [N>=1] [ROUNDS>=1]');

const say = (s: string) => void process.stderr.write(`${s}\n`);
const tStart = performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

const dir = await mkdtemp(join(tmpdir(), 'bench-substitute-trustix-'));
const statics: StaticCache[] = [];
let serve: Running | undefined;
let logServe: { kill(sig: 'SIGTERM'): void; done: Promise<unknown> } | undefined;
let closure: BuiltClosure | undefined;
let cleaned = false;

async function cleanUp(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  serve?.kill();
  logServe?.kill('SIGTERM');
  await logServe?.done.catch(() => undefined);
  await Promise.all(statics.map((s) => s.close()));
  await removeBenchState(closure, dir, say);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => void cleanUp().finally(() => process.exit(130)));
}

async function logCli(cli: Cli, args: readonly string[], input?: string): Promise<string> {
  const r = await execa('node', [...cli.argv, 'log', ...args], { reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
  if (r.exitCode !== 0) throw new Error(`log ${args[0]} failed (${r.exitCode}): ${r.stderr}`);
  return String(r.stdout);
}

async function startLogServe(cli: Cli, state: string): Promise<string> {
  const proc = execa('node', [...cli.argv, 'log', 'serve', '--state', state, '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore', stdout: 'ignore' });
  logServe = { kill: (sig) => void proc.kill(sig), done: proc };
  let err = '';
  return new Promise<string>((resolve, reject) => {
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    void proc.then((r) => reject(new Error(`log serve exited ${r.exitCode}: ${err}`)));
  });
}

interface Round extends Timed {
  readonly cpuMs: number;
  readonly summary: string;
}

try {
  const salt = randomBytes(6).toString('hex');
  const nixVersion = await run('nix', ['--version']);
  say(`bench/substitute-trustix: N=${N}, ${ROUNDS} rounds, warm-up ${WARMUP}, salt ${salt}, temp dir ${dir}`);

  const { file, shape } = await writeExpr(dir, N, salt);
  say(`building ${N + 1} derivations…`);
  closure = await buildClosure(file, N + 1, say);
  const c = closure;
  const cli = await chooseCli(say);

  // The Trustix builder publishes what it built, as a user would: log init, log submit.
  const state = join(dir, 'log');
  const init = await logCli(cli, ['init', '--state', state]);
  const logKey = /^public-key: (.*)$/m.exec(init)?.[1];
  if (logKey === undefined) throw new Error(`log init printed no public-key: ${init}`);
  const tSubmit = performance.now();
  await logCli(cli, ['submit', '--state', state, '--stdin'], `${c.paths.join('\n')}\n`);
  const submitMs = performance.now() - tSubmit;

  const caches: PublishedCache[] = [];
  for (let i = 1; i <= 3; i++) caches.push(await publish(dir, `tvbench-${salt}-c${i}`, c.root));
  const warmup = await writeWarmup(caches, WARMUP);
  // The log built the warm-up paths too (appended in process: they are not in the local store).
  const log = openLog(statePaths(state).db);
  try {
    const secret = readLogSecret(statePaths(state), log.db.meta.key);
    for (let i = 0; i < warmup.facts.length; i += 1000) appendItems(log, warmup.facts.slice(i, i + 1000).map(itemOf), secret.sign);
  } finally {
    log.db.close();
  }
  for (const cache of caches) statics.push(await serveDirectory(cache.dir));
  const logUrl = await startLogServe(cli, state);
  say(`published: 3 caches and the Trustix log (${c.paths.length} paths submitted in ${secs(submitMs)}, + ${warmup.paths.length} warm-up)`);

  const serveSec = join(dir, 'serve.sec');
  const servePub = await keygen(cli, `tvbench-serve-${salt}-1`, serveSec, join(dir, 'serve.pub'));
  const cacheLog = (i: number) => `[log.c${i + 1}]\nkind = binary-cache\nurl = ${statics[i]!.url}\nkey = ${caches[i]!.publicKey}\n`;
  const configs = {
    caches: join(dir, 'caches.ini'),
    trustix: join(dir, 'trustix.ini'),
  };
  const head = (name: string) => `[serve]\nsigning-key = ${serveSec}\n[state]\ndir = ${join(dir, `state-${name}`)}\njournal = ${process.env['JOURNAL'] ?? 'on'}\n`;
  await writeFile(configs.caches, [head('caches'), cacheLog(0), cacheLog(1), cacheLog(2)].join('\n'));
  await writeFile(configs.trustix, [head('trustix'), cacheLog(0), cacheLog(1), `[log.tx]\nkind = trustix\nurl = ${logUrl}\nkey = ${logKey}\n`].join('\n'));

  async function viaServe(kind: keyof typeof configs, round: number): Promise<Round> {
    const tag = `${kind}-${round}`;
    serve = await startServe(cli, configs[kind], join(dir, `serve-${tag}.stderr`));
    const warmMs = WARMUP > 0 ? await warmUp(serve.url, warmup) : 0;
    const cpuBefore = await serve.cpuMs();
    const before = statics.map((st) => st.requests);
    const t = await substitute(c, serve.url, servePub, tag, { dir, ...opts });
    const { cpuMs, metrics, decisions, exitCode } = await serve.stop();
    serve = undefined;
    if (exitCode !== 0) say(`  serve exited ${exitCode}`);
    const closureDs = decisions.filter((d) => d.path === null || !d.path.includes('-tvbench-warmup-'));
    const untrusted = closureDs.filter((d) => d.verdict !== 'trusted').length;
    if (untrusted > 0) throw new Error(`${kind}: ${untrusted} paths of the closure were not trusted (see serve-${tag}.stderr)`);
    const ms = closureDs.map((d) => d.ms).sort((a, b) => a - b);
    const requests = counterBy(metrics, 'trustix_vote_requests_total', 'route');
    const summary = `CPU ${secs(cpuMs - cpuBefore)} while nix ran (warm-up ${secs(warmMs)}); decision ms p50 ${ms[Math.floor(ms.length / 2)]} p90 ${ms[Math.floor(ms.length * 0.9)]}; `
      + `requests ${Object.entries(requests).map(([r, k]) => `${r} ${k}`).join(', ')}; cache requests while nix ran ${statics.map((st, i) => st.requests - before[i]!).join('/')}`;
    say(`  round ${round} ${kind.padEnd(7)}: ${secs(t.ms)} (walk ${secs(t.queryMs)}); ${summary}`);
    return { ...t, cpuMs: cpuMs - cpuBefore, summary };
  }

  const rounds: Record<keyof typeof configs, Round[]> = { caches: [], trustix: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? (['caches', 'trustix'] as const) : (['trustix', 'caches'] as const);
    for (const kind of order) rounds[kind].push(await viaServe(kind, round));
  }

  const ratios = rounds.trustix.map((r, i) => r.ms / rounds.caches[i]!.ms);
  const walkRatios = rounds.trustix.map((r, i) => r.queryMs / rounds.caches[i]!.queryMs);
  const list = (rs: readonly Round[]) => rs.map((r) => `${secs(r.ms)} (walk ${secs(r.queryMs)})`).join(', ');
  const stats = (rs: readonly Round[]) => `min ${secs(Math.min(...rs.map((r) => r.ms)))}, median ${secs(median(rs.map((r) => r.ms)))}`;
  const cpu = cpus();
  const out = [
    `machine: ${cpu[0]?.model ?? '?'} × ${cpu.length}, node ${process.version}, ${nixVersion}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`,
    `closure: ${N + 1} paths, DAG depth ${shape.depth}; nix-store -r ROOT through serve (${cli.label}), ${WARMUP > 0 ? `warmed up on ${WARMUP} other paths` : 'fresh'}, narinfo TTLs ${opts.ttl0 ? '0' : "Nix's defaults"}; ${ROUNDS} rounds, order swapped every other round`,
    `serve over 3 binary caches:          ${list(rounds.caches)}   ${stats(rounds.caches)}`,
    `serve over 2 caches + our Trustix log: ${list(rounds.trustix)}   ${stats(rounds.trustix)}`,
    `ratio trustix/caches per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}, min ${Math.min(...ratios).toFixed(2)} (target ≤ 1.1)`,
    `  ratio of the medians ${(median(rounds.trustix.map((r) => r.ms)) / median(rounds.caches.map((r) => r.ms))).toFixed(2)}, of the minima ${(Math.min(...rounds.trustix.map((r) => r.ms)) / Math.min(...rounds.caches.map((r) => r.ms))).toFixed(2)}`,
    `  walk ratio per round: ${walkRatios.map((r) => r.toFixed(2)).join(', ')}; median ${median(walkRatios).toFixed(2)}`,
    `  serve CPU while nix ran, median: caches ${secs(median(rounds.caches.map((r) => r.cpuMs)))}, trustix ${secs(median(rounds.trustix.map((r) => r.cpuMs)))}`,
    ...(['caches', 'trustix'] as const).flatMap((k) => rounds[k].map((r, i) => `${k} round ${i + 1}: ${r.summary}`)),
  ];
  await cleanUp();
  out.push(`bench took ${secs(performance.now() - tStart)} in all`);
  console.log(out.join('\n'));
} finally {
  await cleanUp();
}
