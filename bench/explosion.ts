/**
 * bench/explosion: `check` against a log that signs a narinfo for every hash part it is
 * asked, each listing INVENT references nobody built (issue #9's closure explosion).
 * Two cases, each a real `trustix-vote check` process over loopback:
 *   - the liar among two honest caches (it loses every vote: its inventions are not walked);
 *   - the liar alone (it wins every vote: the walk stops at the 200,000-path cap and the
 *     run ends at its deadline).
 * Prints wall time, peak RSS (GNU time's maximum resident set), the liar's request
 * count and how many stderr lines the run wrote. Done when: within the deadline, under
 * 300 MB, one summary line. Figures are printed, never asserted.
 * TRUSTIX_VOTE_TIMING=1 passes on to check and prints its timing lines.
 *
 * Run: npm run build && node --import tsx bench/explosion.ts [PATHS=2000] [INVENT=1000] [DEADLINE_S=30]
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { execaNode } from 'execa';
import { parseStorePath } from '../src/nixfmt/index.ts';
import { serveInventing, serveSynthetic, syntheticPaths } from './synthetic.ts';

interface Log { readonly url: string; readonly publicKey: string }
type Liar = Log & { requests(): Promise<number>; close(): void };

if (process.argv[2] === '--liar') await serveLiarHere();

const N = Number(process.argv[2] ?? 2000);
const INVENT = Number(process.argv[3] ?? 1000);
const DEADLINE = Number(process.argv[4] ?? 30);
const timing = process.env['TRUSTIX_VOTE_TIMING'] !== undefined;
const dir = await mkdtemp(join(tmpdir(), 'bench-explosion-'));
const main = new URL('../dist/cli/main.js', import.meta.url).pathname;
const { paths, refs } = syntheticPaths(N, 12);
const root = paths[0]!;

/**
 * The liar runs in a process of its own: making and signing 1,000 references per answer
 * on this process's event loop would slow the honest caches into timeouts.
 */
async function startLiar(known: readonly string[]): Promise<Liar> {
  const list = join(dir, 'known-paths');
  await writeFile(list, known.join('\n'));
  const child = execaNode(new URL(import.meta.url).pathname, ['--liar', String(INVENT), list], { nodeOptions: ['--import', 'tsx'], stderr: 'inherit', buffer: false });
  child.catch(() => undefined); // killed when the bench is done
  const log = JSON.parse(await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(String(b))))) as Log;
  return { ...log, requests: async () => Number(await (await fetch(`${log.url}/requests`)).text()), close: () => void child.kill() };
}

async function serveLiarHere(): Promise<never> {
  const [invent, list] = process.argv.slice(3);
  const known = (await readFile(list!, 'utf8')).split('\n').map((p) => parseStorePath(p));
  const liar = await serveInventing('liar', Number(invent), known);
  process.stdout.write(`${JSON.stringify({ url: liar.url, publicKey: liar.publicKey })}\n`);
  return new Promise<never>(() => {});
}

async function run(label: string, logs: readonly Log[], liar: Liar): Promise<void> {
  const config = join(dir, `${label.replace(/\W+/g, '-')}.ini`);
  await writeFile(config, [
    ...logs.map((c, i) => `[log.l${i}]\nkind = binary-cache\nurl = ${c.url}\nkey = ${c.publicKey}\n`),
    `[query]\ndeadline = ${DEADLINE}\n`,
  ].join('\n'));
  const out = join(dir, 'out.json');
  const before = await liar.requests();
  const t0 = performance.now();
  // The file itself is check's stdout: execa's { file } copies the 80 MB through this process.
  const file = await open(out, 'w');
  const env = { ...process.env, NIX_CONFIG: 'experimental-features = nix-command\nsubstituters =', XDG_CACHE_HOME: join(dir, 'xdg'), ...(timing && { TRUSTIX_VOTE_TIMING: '1' }) };
  const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', 'node', main, 'check', '--json', '--config', config, root], { stdio: ['ignore', file.fd, 'pipe'], env });
  const err: Buffer[] = [];
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const exitCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const r = { exitCode, stderr: Buffer.concat(err).toString() };
  const s = (performance.now() - t0) / 1000;
  await file.close();
  const lines = String(r.stderr).split('\n').filter((l) => l !== '' && !l.startsWith('maxrss=') && !l.startsWith('Command exited'));
  const own = lines.filter((l) => !l.startsWith('trustix-vote: timing:'));
  const maxrss = Number(/maxrss=(\d+)/.exec(String(r.stderr))?.[1] ?? 0) / 1024;
  const decided = JSON.parse(await readFile(out, 'utf8')) as { verdict: string }[];
  const trusted = decided.filter((d) => d.verdict === 'trusted').length;
  console.log(`${label.padEnd(22)} exit ${r.exitCode}, ${s.toFixed(1)} s (deadline ${DEADLINE} s), peak RSS ${maxrss.toFixed(0)} MB, `
    + `${decided.length} paths decided (${trusted} trusted), liar asked ${(await liar.requests()) - before} times, ${own.length} stderr line(s)`);
  for (const l of timing ? lines : own.slice(0, 3)) console.log(`    ${l.slice(0, 160)}`);
}

console.log(`explosion: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log(`closure of ${N} honest paths; the liar invents ${INVENT} references per narinfo`);
const honest = await Promise.all(['a', 'b'].map((n) => serveSynthetic(`honest-${n}`, paths, refs)));
const liar = await startLiar(paths);
try {
  await run('liar + 2 honest caches', [liar, ...honest], liar);
  await run('liar alone', [liar], liar);
} finally {
  liar.close();
  await Promise.all(honest.map((c) => c.close()));
  await rm(dir, { recursive: true, force: true });
}
