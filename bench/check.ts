/**
 * bench/check: `trustix-vote check` over a synthetic closure of 2,000 paths × 4
 * loopback caches, against Nix itself walking the same closure's 2,000 narinfos
 * from one cache (`nix path-info -r --store URL ROOT`), measured in the same run.
 * Target: ratio ≤ 1.5. Run: node --import tsx bench/check.ts [paths] [rounds]
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { serveSynthetic, syntheticPaths } from './synthetic.ts';

const N = Number(process.argv[2] ?? 2000);
const ROUNDS = Number(process.argv[3] ?? 3);
const dir = await mkdtemp(join(tmpdir(), 'bench-check-'));
const { paths, refs } = syntheticPaths(N, 12);
const caches = await Promise.all(['a', 'b', 'c', 'd'].map((n) => serveSynthetic(`bench-${n}`, paths, refs)));
const config = join(dir, 'bench.ini');
await writeFile(config, caches.map((c, i) => `[log.c${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`).join('\n'));
const root = paths[0]!;
const env = {
  XDG_CACHE_HOME: join(dir, 'xdg'),
  NIX_CONFIG: 'experimental-features = nix-command\nsubstituters =\nnarinfo-cache-negative-ttl = 0\nnarinfo-cache-positive-ttl = 0',
};
const main = new URL('../dist/cli/main.js', import.meta.url).pathname;

async function timed(cmd: string, args: string[], okCodes = [0]): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const r = await execa(cmd, args, { env, reject: false, stdin: 'ignore' });
  const ms = performance.now() - t0;
  if (!okCodes.includes(r.exitCode ?? -1)) throw new Error(`${cmd} failed (${r.exitCode}): ${String(r.stderr).slice(-500)}`);
  return { ms, stdout: String(r.stdout) };
}

const nixTimes: number[] = [];
const ourTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const nix = await timed('nix', ['path-info', '-r', '--store', caches[0]!.url, root]);
  if (nix.stdout.trim().split('\n').length !== N) throw new Error(`nix listed ${nix.stdout.trim().split('\n').length} paths, expected ${N}`);
  nixTimes.push(nix.ms);
  const ours = await timed('node', [main, 'check', '--json', '--config', config, root]);
  const decided = JSON.parse(ours.stdout) as { verdict: string }[];
  if (decided.length !== N || decided.some((d) => d.verdict !== 'trusted')) throw new Error(`check decided ${decided.length} paths`);
  ourTimes.push(ours.ms);
}
await Promise.all(caches.map((c) => c.close()));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const nixMs = median(nixTimes);
const ourMs = median(ourTimes);
console.log(`machine: ${cpus()[0]?.model} × ${cpus().length}, node ${process.version}, ${(await execa('nix', ['--version'])).stdout}`);
console.log(`closure: ${N} paths; rounds: ${ROUNDS} (median shown; includes process start-up of both)`);
console.log(`nix path-info -r, 1 cache  (${N} narinfos):      ${nixMs.toFixed(0)} ms   [${nixTimes.map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`trustix-vote check, 4 caches (${4 * N} narinfos + ${N} Lua votes): ${ourMs.toFixed(0)} ms   [${ourTimes.map((t) => t.toFixed(0)).join(', ')}]`);
console.log(`ratio: ${(ourMs / nixMs).toFixed(2)} (target ≤ 1.5)`);
