/**
 * bench/hook: what hooks/post-build-hook costs Nix per local build. Nix runs the hook
 * synchronously after every build, so its wall time is added to every build. Target:
 * median < 20 ms. Each run is timed from Node's spawnSync (fork + exec of /bin/sh, the
 * script, its one `mv`), which is what Nix pays too plus Node's own spawn overhead; the
 * same is measured for `node -e 0` (the floor of any hook that starts Node) and for
 * /bin/true (the floor of any process). Figures are printed, never asserted.
 *
 * Run: node --import tsx bench/hook.ts [RUNS=200] [ROUNDS=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats.ts';

const RUNS = Number(process.argv[2] ?? 200);
const ROUNDS = Number(process.argv[3] ?? 5);
const HOOK = new URL('../hooks/post-build-hook', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bench-hook-'));
const config = join(dir, 'config.ini');
// A config as a user has one: several logs before [state].
writeFileSync(config, [
  '[policy]', 'file = ./policy.lua', '[query]', 'timeout = 5', 'deadline = 60',
  ...['a', 'b', 'c', 'd'].map((n) => `[log.cache-${n}]\nkind = binary-cache\nurl = https://cache-${n}.example.org\nkey = cache-${n}-1:${'A'.repeat(43)}=`),
  '[serve]', 'signing-key = /run/credentials/trustix-vote.service/signing-key', 'listen = 127.0.0.1:37515',
  '[state]', `dir = ${join(dir, 'state')}   ; where the queue lives`, 'keep-days = 90',
].join('\n'));
const env = {
  PATH: '/usr/bin:/bin', TRUSTIX_VOTE_CONFIG: config,
  DRV_PATH: '/nix/store/0hdsbhj0bc4znfgvwvhc7b55f2yphbvc-libfoo.drv',
  OUT_PATHS: '/nix/store/7zghlxfsl2n1ww9i3z6jy8vjvbm2hrq5-libfoo /nix/store/7zghlxfsl2n1ww9i3z6jy8vjvbm2hrq5-libfoo-dev',
};

const p95 = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;

function time(cmd: string, args: readonly string[], runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    out.push(performance.now() - t0);
    if (r.status !== 0 || (r.stderr?.length ?? 0) > 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr}`);
  }
  return out;
}

const say = (s: string) => void process.stdout.write(`${s}\n`);
say(`hooks/post-build-hook, ${RUNS} runs × ${ROUNDS} rounds (ms per run, spawnSync from Node)`);
const medians: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
  const hook = time(HOOK, [], RUNS);
  const floor = time('/bin/true', [], Math.min(RUNS, 100));
  const m = median(hook);
  medians.push(m);
  say(`  round ${round}: hook median ${m.toFixed(2)}  p95 ${p95(hook).toFixed(2)}  max ${Math.max(...hook).toFixed(2)}   /bin/true median ${median(floor).toFixed(2)}`);
}
const node = time(process.execPath, ['-e', '0'], 10);
say(`node -e 0 (what a hook that starts Node costs at least): median ${median(node).toFixed(1)} ms`);
const queued = readdirSync(join(dir, 'state', 'spool')).filter((n) => n.endsWith('.build')).length;
say(`hook medians over rounds: min ${Math.min(...medians).toFixed(2)} ms, median ${median(medians).toFixed(2)} ms (target < 20 ms); ${queued} builds queued`);
rmSync(dir, { recursive: true, force: true });
