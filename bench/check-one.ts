/**
 * bench/check-one: what one `trustix-vote check` of a single path costs as a whole
 * process, against Node starting and doing nothing (`node -e 0`) and the CLI's `--help`
 * (Node plus loading main.js), measured in the same rounds. The path is in the local
 * store (made with `nix-store --add`), three loopback caches sign it, the config is
 * given (no `nix config show`). Target: check within 300 ms of `node -e 0`.
 *
 *   npm run build && node --import tsx bench/check-one.ts [rounds] [OTHER/dist/cli/main.js]
 *
 * With a second main.js (another checkout's build), its one-path check is measured in
 * the same rounds, for a before/after on a machine whose load changes.
 * TRUSTIX_VOTE_TIMING=1 makes the checks print where their time went (to stderr).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseStorePath } from '../src/nixfmt/index.ts';
import { serveSynthetic } from './synthetic.ts';
import { median } from './stats.ts';

const ROUNDS = Number(process.argv[2] ?? 9);
const main = new URL('../dist/cli/main.js', import.meta.url).pathname;
const other = process.argv[3];
const dir = await mkdtemp(join(tmpdir(), 'bench-check-one-'));
await writeFile(join(dir, 'one-path'), `bench-check-one ${dir}\n`);
const path = parseStorePath((await execa('nix-store', ['--add', join(dir, 'one-path')])).stdout.trim());
const caches = await Promise.all(['a', 'b', 'c'].map((n) => serveSynthetic(`bench-${n}`, [path], new Map([[path, []]]))));
const config = join(dir, 'bench.ini');
await writeFile(config, caches.map((c, i) => `[log.cache-${'abc'[i]}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`).join('\n'));
const env = { ...process.env, NIX_CONFIG: 'experimental-features = nix-command\nsubstituters =' };

async function timed(args: string[], ok = 0): Promise<number> {
  const t0 = performance.now();
  const r = await execa('node', args, { env, reject: false, stdin: 'ignore' });
  const ms = performance.now() - t0;
  if (r.exitCode !== ok) throw new Error(`node ${args.join(' ')} exited ${r.exitCode}: ${String(r.stderr).slice(-800)}`);
  if (process.env['TRUSTIX_VOTE_TIMING'] !== undefined && r.stderr !== '') process.stderr.write(`${r.stderr}\n`);
  return ms;
}

const runs: Record<string, number[]> = { 'node -e 0': [], 'trustix-vote --help': [], 'check, 1 path × 3 caches': [] };
const OTHER = 'the same, other main.js';
if (other !== undefined) runs[OTHER] = [];
try {
  await timed([main, 'check', '--config', config, path]); // warm the page cache once
  for (let round = 0; round < ROUNDS; round++) {
    runs['node -e 0']!.push(await timed(['-e', '0']));
    runs['trustix-vote --help']!.push(await timed([main, '--help']));
    runs['check, 1 path × 3 caches']!.push(await timed([main, 'check', '--config', config, path]));
    if (other !== undefined) runs[OTHER]!.push(await timed([other, 'check', '--config', config, path]));
  }
} finally {
  await Promise.all(caches.map((c) => c.close()));
  await execa('nix-store', ['--delete', path], { reject: false });
  await rm(dir, { recursive: true, force: true });
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const min = (xs: number[]) => sorted(xs)[0]!;
const base = runs['node -e 0']!;
console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`rounds: ${ROUNDS}; whole processes, wall clock`);
console.log(`${'command'.padEnd(28)} ${'min'.padStart(7)} ${'median'.padStart(7)}   ${'min - node'.padStart(10)} ${'median - node'.padStart(13)}`);
for (const [name, xs] of Object.entries(runs)) {
  const row = [min(xs), median(xs), min(xs) - min(base), median(xs) - median(base)].map((n) => `${n.toFixed(0)} ms`);
  console.log(`${name.padEnd(28)} ${row[0]!.padStart(7)} ${row[1]!.padStart(7)}   ${row[2]!.padStart(10)} ${row[3]!.padStart(13)}`);
}
if (other !== undefined) console.log(`other main.js: ${other}`);
const over = median(runs['check, 1 path × 3 caches']!) - median(base);
console.log(`check − node -e 0 (medians): ${over.toFixed(0)} ms (target ≤ 300 ms)`);
