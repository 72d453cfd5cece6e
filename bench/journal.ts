/**
 * bench/journal: the journal's costs, with real Nix and 3 loopback caches.
 *
 *   drain   `trustix-vote post-build-hook --drain` of N queued local builds (N real
 *           store paths, each signed by 3 caches on 127.0.0.1): NarHash from the
 *           local store, 3 narinfos, the vote, the comparison, recorded. Target for
 *           N = 1,000: < 10 s. A fresh state directory and queue every round.
 *   serve   N narinfo requests (8 at a time, as Nix asks them) to a fresh serve with
 *           [state] journal = on vs off, alternating, same caches: the time until the
 *           last answer, serve's CPU time, and the decisions the journal holds after.
 *
 * Run: node --import tsx bench/journal.ts [N=1000] [ROUNDS=3]    (KEEP=1 keeps the temp dir,
 *      ONLY=drain or ONLY=serve runs one half, DRAIN_NODE_ARGS="--cpu-prof --cpu-prof-dir=DIR" profiles a drain)
 * Figures are printed, never asserted.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveDirectory, type StaticCache } from '../src/demo/static.ts';
import { openReader } from '../src/journal/index.ts';
import { buildClosure, publish, removeBenchState, run, writeExpr, type BuiltClosure, type PublishedCache } from './substitute/closure.ts';
import { chooseCli, keygen, startServe } from './substitute/serve.ts';
import { median } from './stats.ts';

const N = Number(process.argv[2] ?? 1000);
const ROUNDS = Number(process.argv[3] ?? 3);
const say = (s: string) => void process.stderr.write(`${s}\n`);
const fig = (xs: readonly number[], unit = 's', scale = 1000) => `min ${(Math.min(...xs) / scale).toFixed(2)} ${unit}, median ${(median(xs) / scale).toFixed(2)} ${unit} (${xs.map((x) => (x / scale).toFixed(2)).join(', ')})`;

const dir = await mkdtemp(join(tmpdir(), 'bench-journal-'));
const statics: StaticCache[] = [];
let closure: BuiltClosure | undefined;
try {
  const salt = randomBytes(6).toString('hex');
  const cli = await chooseCli(say);
  say(`bench/journal: N=${N}, ${ROUNDS} rounds, ${cli.label}, ${await run('nix', ['--version'])}`);
  const { file } = await writeExpr(dir, N - 1, salt);
  closure = await buildClosure(file, N, say);
  const caches: PublishedCache[] = [];
  for (let i = 1; i <= 3; i++) caches.push(await publish(dir, `tvjournal-${salt}-c${i}`, closure.root));
  for (const c of caches) statics.push(await serveDirectory(c.dir));
  const logs = caches.map((c, i) => `[log.c${i + 1}]\nkind = binary-cache\nurl = ${statics[i]!.url}\nkey = ${c.publicKey}\n`).join('\n');
  const paths = closure.paths;

  // 1. drain
  const only = process.env['ONLY'];
  const drains: number[] = [];
  const checks: number[] = [];
  for (let round = 1; round <= (only === 'serve' ? 0 : ROUNDS); round++) {
    const state = join(dir, `drain-${round}`);
    await mkdir(join(state, 'spool'), { recursive: true });
    const config = join(dir, `drain-${round}.ini`);
    await writeFile(config, `[state]\ndir = ${state}\n${logs}`);
    for (const [i, p] of paths.entries()) await writeFile(join(state, 'spool', `b${i}-1-0.build`), `trustix-vote-spool 1\nout ${p}\nend\n`);
    const t0 = performance.now();
    const prof = process.env['DRAIN_NODE_ARGS']?.split(' ').filter(Boolean) ?? [];
    const r = await execa('node', [...prof, ...cli.argv, 'post-build-hook', '--drain', '--json', '--config', config], { reject: false, stdin: 'ignore' });
    const ms = performance.now() - t0;
    const j = JSON.parse(String(r.stdout) || '{}') as { recorded?: number; reproduced?: number };
    if (j.recorded !== N) throw new Error(`drain recorded ${j.recorded} of ${N} (${r.exitCode}): ${String(r.stderr).slice(-500)}`);
    drains.push(ms);
    // The same paths asked of the same logs by check (no journal: its state dir does not exist), as a baseline on this machine now.
    const checkCfg = join(dir, `check-${round}.ini`);
    await writeFile(checkCfg, `[state]\ndir = ${join(dir, 'none')}\n${logs}`);
    const t1 = performance.now();
    const c = await execa('node', [...cli.argv, 'check', '--json', '--config', checkCfg, closure.root], { reject: false, stdin: 'ignore' });
    const checkMs = performance.now() - t1;
    if (c.exitCode !== 0) throw new Error(`check failed (${c.exitCode}): ${String(c.stderr).slice(-300)}`);
    checks.push(checkMs);
    say(`  drain round ${round}: ${(ms / 1000).toFixed(2)} s for ${N} builds (${j.reproduced} reproduced); check of the same closure ${(checkMs / 1000).toFixed(2)} s`);
  }

  // 2. serve, journal on vs off
  const sec = join(dir, 'serve.sec');
  await keygen(cli, `tvjournal-serve-${salt}-1`, sec, join(dir, 'serve.pub'));
  const hashParts = paths.map((p) => p.slice(11, 43));
  const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
  for (let round = 1; round <= (only === 'drain' ? 0 : ROUNDS); round++) {
    for (const mode of round % 2 === 1 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
      const state = join(dir, `serve-${mode}-${round}`);
      const config = join(dir, `serve-${mode}-${round}.ini`);
      await writeFile(config, `[serve]\nsigning-key = ${sec}\n[state]\ndir = ${state}\njournal = ${mode}\ndrain-every = 0\n${logs}`);
      const s = await startServe(cli, config, join(dir, `serve-${mode}-${round}.log`));
      const cpu0 = await s.cpuMs();
      const t0 = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: 8 }, async () => {
        while (next < hashParts.length) {
          const hp = hashParts[next++]!;
          const res = await fetch(`${s.url}/${hp}.narinfo`);
          await res.text();
          if (res.status !== 200) throw new Error(`${hp}: HTTP ${res.status}`);
        }
      }));
      const ms = performance.now() - t0;
      const cpuMs = (await s.cpuMs()) - cpu0;
      const stopped = await s.stop();
      if (stopped.exitCode !== 0) throw new Error(`serve exited ${stopped.exitCode}`);
      times[mode].push(ms);
      cpu[mode].push(cpuMs);
      let rows = 0;
      if (mode === 'on') {
        const db = openReader(join(state, 'journal.sqlite'));
        rows = db.prepare('SELECT count(*) FROM decisions').pluck().get() as number;
        db.close();
      }
      say(`  serve round ${round} journal ${mode}: ${N} narinfos in ${(ms / 1000).toFixed(2)} s, serve CPU ${(cpuMs / 1000).toFixed(2)} s${mode === 'on' ? `, ${rows} decisions journaled` : ''}`);
    }
  }
  const ratio = times.on.map((t, i) => t / times.off[i]!);
  const cpuRatio = cpu.on.map((t, i) => t / cpu.off[i]!);
  say('');
  if (drains.length > 0) {
    say(`drain of ${N} queued builds, 3 loopback logs: ${fig(drains)} (target < 10 s)`);
    say(`check of the same ${N} paths, same logs, same rounds: ${fig(checks)}; drain / check per round ${drains.map((d, i) => (d / checks[i]!).toFixed(2)).join(', ')}`);
  }
  if (only === 'drain') process.exitCode = 0;
  else {
  say(`serve ${N} narinfos, journal off: ${fig(times.off)}; CPU ${fig(cpu.off)}`);
  say(`serve ${N} narinfos, journal on:  ${fig(times.on)}; CPU ${fig(cpu.on)}`);
  say(`journal on / off per round: wall ${ratio.map((r) => r.toFixed(2)).join(', ')} (median ${median(ratio).toFixed(2)}); CPU ${cpuRatio.map((r) => r.toFixed(2)).join(', ')} (median ${median(cpuRatio).toFixed(2)})`);
  }
} finally {
  await Promise.all(statics.map((s) => s.close()));
  await removeBenchState(closure, dir, say);
}
