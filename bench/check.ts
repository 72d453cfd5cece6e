/**
 * bench/check: `trustix-vote check` over a synthetic closure of N paths × 4 loopback
 * caches, against, in the same round:
 *   - Nix walking the same closure's N narinfos from one cache (`nix path-info -r
 *     --store URL ROOT`), with its default narinfo TTLs and a fresh narinfo cache;
 *   - the floor: undici fetching the same 4×N narinfos at check's concurrency.
 * GETs are counted on the caches' side for each. Targets at 2,000 paths: ≤ 1.5× Nix,
 * ≤ 2× the floor. Figures are printed, never asserted (see bench/scale/parts.ts).
 * Run: npm run build && node --import tsx bench/check.ts [paths=2000] [rounds=5]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';
import { check, floor, mb, median, nixWalk, ratio, secs, spread, uptime, type Run } from './scale/parts.ts';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 5);
const say = (s: string) => void process.stderr.write(`${s}\n`);
const dir = await mkdtemp(join(tmpdir(), 'bench-check-'));
const { paths, refs } = syntheticPaths(N, 12);
const caches = await Promise.all(['a', 'b', 'c', 'd'].map((n) => serveSynthetic(`bench-${n}`, paths, refs)));
const config = join(dir, 'bench.ini');
await writeFile(config, caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`).join('\n'));
const root = paths[0]!;
const cli = [new URL('../dist/cli/main.js', import.meta.url).pathname];

const rounds: { nix: Run; floor: Run; check: Run }[] = [];
const loads = [await uptime()];
for (let round = 0; round < ROUNDS; round++) {
  const n = await nixWalk(caches[0]!.url, root, N, dir, caches);
  const f = await floor(caches, paths, dir);
  const c = await check(cli, config, root, N, dir, caches);
  rounds.push({ nix: n, floor: f, check: c });
  say(`round ${round + 1}: nix ${secs(n.ms)} (${n.gets} GETs), floor ${secs(f.ms)} (${f.gets}), check ${secs(c.ms)} (${c.gets}, peak ${mb(c.peakKb ?? NaN)})`);
}
loads.push(await uptime());
await Promise.all(caches.map((c) => c.close()));
await rm(dir, { recursive: true, force: true });

console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, ${(await execa('nix', ['--version'])).stdout}; load ${loads.join(' → ')}`);
console.log(`closure: ${N} paths × 4 caches; ${ROUNDS} rounds (each includes its process's start-up)`);
console.log(`nix path-info -r, 1 cache, default TTLs: ${spread(rounds.map((r) => r.nix.ms), secs)}; GETs ${rounds.map((r) => r.nix.gets).join(', ')}`);
console.log(`undici floor, ${4 * N} narinfos:         ${spread(rounds.map((r) => r.floor.ms), secs)}; GETs ${rounds.map((r) => r.floor.gets).join(', ')}`);
console.log(`trustix-vote check, 4 caches:        ${spread(rounds.map((r) => r.check.ms), secs)}; GETs ${rounds.map((r) => r.check.gets).join(', ')}`);
console.log(`check peak RSS: ${spread(rounds.map((r) => r.check.peakKb ?? NaN), mb)}`);
const vsNix = rounds.map((r) => r.check.ms / r.nix.ms);
const vsFloor = rounds.map((r) => r.check.ms / r.floor.ms);
console.log(`check / nix, per round:   ${spread(vsNix, ratio)} (target ≤ 1.5)`);
console.log(`check / floor, per round: ${spread(vsFloor, ratio)} (target ≤ 2)`);
console.log(`ratio of medians: ${ratio(median(rounds.map((r) => r.check.ms)) / median(rounds.map((r) => r.nix.ms)))} vs nix, ${ratio(median(rounds.map((r) => r.check.ms)) / median(rounds.map((r) => r.floor.ms)))} vs floor`);
