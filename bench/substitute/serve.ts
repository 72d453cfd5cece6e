/**
 * `trustix-vote serve` as bench/substitute runs it: one node process (no wrapper, so
 * its pid is the one whose VmHWM we read), its stderr kept for the decision lines.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { execa } from 'execa';

const ROOT = new URL('../../', import.meta.url).pathname;

export interface Cli {
  /** Arguments to `node` before the CLI's own. */
  readonly argv: readonly string[];
  readonly label: string;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The compiled CLI (dist/cli/main.js), rebuilt with tsc when missing or older than
 * any src/ file; tsx when BENCH_TSX=1 or when tsc fails (say so: tsx adds start-up cost).
 */
export async function chooseCli(say: (s: string) => void): Promise<Cli> {
  const tsx: Cli = { argv: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')], label: 'node --import tsx src/cli/main.ts (tsx: adds start-up and first-call cost)' };
  if (process.env['BENCH_TSX'] === '1') return tsx;
  const main = join(ROOT, 'dist/cli/main.js');
  const stale = !existsSync(main) || statSync(main).mtimeMs < newestMtime(join(ROOT, 'src'));
  if (stale) {
    say('dist/ is missing or older than src/: npx tsc -p tsconfig.build.json');
    const r = await execa('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, reject: false, stdin: 'ignore' });
    if (r.exitCode !== 0 || !existsSync(main)) {
      say(`tsc failed (${r.exitCode}), using tsx instead: ${String(r.stdout).split('\n').slice(0, 3).join(' | ')}`);
      return tsx;
    }
  }
  return { argv: [main], label: 'node dist/cli/main.js' };
}

export async function keygen(cli: Cli, name: string, sec: string, pub: string): Promise<string> {
  const r = await execa('node', [...cli.argv, 'keygen', name, '--secret', sec, '--public', pub], { reject: false, stdin: 'ignore' });
  if (r.exitCode !== 0) throw new Error(`keygen failed (${r.exitCode}): ${r.stderr}`);
  return (await readFile(pub, 'utf8')).trim();
}

export interface Decision {
  readonly path: string | null;
  readonly verdict: string;
  readonly ms: number;
}

export interface Stopped {
  readonly peakRssKb: number;
  readonly cpuMs: number;
  readonly metrics: string;
  readonly exitCode: number;
  readonly stderr: string;
  readonly decisions: readonly Decision[];
}

export interface Running {
  readonly url: string;
  readonly pid: number;
  /** VmRSS right after it started listening. */
  readonly idleRssKb: number;
  /** User + system CPU time so far. */
  cpuMs(): Promise<number>;
  /** Reads /metrics, then CPU time and VmHWM, then sends SIGTERM and waits for the exit. */
  stop(): Promise<Stopped>;
  kill(): void;
}

/**
 * Starts serve with its stderr going to `logFile`: a file, not a pipe, so that serve
 * never blocks on a full pipe while the bench's event loop is busy serving the caches.
 * SERVE_NODE_ARGS adds node options (e.g. --cpu-prof, --trace-gc); SERVE_STDOUT names a
 * file for serve's stdout (where --trace-gc writes), else it is dropped.
 */
export async function startServe(cli: Cli, config: string, logFile: string): Promise<Running> {
  const extra = (process.env['SERVE_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const proc = execa('node', [...extra, ...cli.argv, 'serve', '--config', config, '--listen', '127.0.0.1:0'], {
    reject: false, stdin: 'ignore', stdout: process.env['SERVE_STDOUT'] === undefined ? 'ignore' : { file: process.env['SERVE_STDOUT'] }, stderr: { file: logFile },
  });
  let exited = false;
  void proc.then(() => { exited = true; });
  const log = () => readFile(logFile, 'utf8').catch(() => '');
  const t0 = performance.now();
  let url: string | undefined;
  while (url === undefined) {
    const m = /listening on (http:\/\/[\d.:]+)/.exec(await log());
    if (m?.[1] !== undefined) url = m[1];
    else if (exited || performance.now() - t0 > 30_000) throw new Error(`serve did not start: ${await log()}`);
    else await delay(20);
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error('serve has no pid');
  const idleRssKb = await statusKb(pid, 'VmRSS');
  const base = url;
  return {
    url: base,
    pid,
    idleRssKb,
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      const metrics = await fetch(`${base}/metrics`).then((r) => r.text()).catch((e: unknown) => `(no metrics: ${String(e)})`);
      const cpuMs = await cpuMsOf(pid);
      const peakRssKb = await statusKb(pid, 'VmHWM');
      proc.kill('SIGTERM');
      const r = await proc;
      const stderr = await log();
      const decisions = stderr.split('\n').filter((l) => l.startsWith('{"event":"decision"')).map((l) => JSON.parse(l) as Decision);
      return { peakRssKb, cpuMs, metrics, exitCode: r.exitCode ?? -1, stderr, decisions };
    },
    kill: () => void proc.kill('SIGKILL'),
  };
}

/** bench/proxy-floor.ts over `upstreams`, as its own process, started before any clock. */
export async function startProxyFloor(upstreams: readonly string[], tmp: string): Promise<{ url: string; cpuMs(): Promise<number>; stop(): Promise<void> }> {
  const portFile = join(tmp, `proxy-floor-${process.hrtime.bigint()}.url`);
  const proc = execa('node', ['--import', 'tsx', join(ROOT, 'bench/proxy-floor.ts'), portFile, ...upstreams], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cwd: ROOT });
  let exited = false;
  void proc.then(() => { exited = true; });
  const t0 = performance.now();
  let url = '';
  while (url === '') {
    url = await readFile(portFile, 'utf8').catch(() => '');
    if (url !== '') break;
    if (exited || performance.now() - t0 > 30_000) throw new Error(`proxy-floor did not start: ${String((await proc).stderr)}`);
    await delay(20);
  }
  const pid = proc.pid!;
  return {
    url,
    cpuMs: () => cpuMsOf(pid),
    async stop() {
      proc.kill('SIGTERM');
      await proc;
    },
  };
}

async function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (m?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** User + system CPU time of a process so far (clock ticks of 10 ms, as on Linux). */
async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Sums of a Prometheus counter by one label, e.g. requests by route. */
export function counterBy(metrics: string, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of metrics.matchAll(re)) {
    const l = new RegExp(`${label}="([^"]*)"`).exec(m[1] ?? '')?.[1] ?? '?';
    out[l] = (out[l] ?? 0) + Number(m[2]);
  }
  return out;
}

/** Sum and count of a Prometheus histogram by one label. */
export function histogramBy(metrics: string, name: string, label: string): Record<string, { sum: number; count: number }> {
  const out: Record<string, { sum: number; count: number }> = {};
  for (const kind of ['sum', 'count'] as const) {
    for (const [l, v] of Object.entries(counterBy(metrics, `${name}_${kind}`, label))) {
      out[l] ??= { sum: 0, count: 0 };
      out[l][kind] = v;
    }
  }
  return out;
}
