/** Our own log as a user runs it: store paths made with real Nix, `log serve` and `log submit` as subprocesses. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseStorePath } from '../../src/nixfmt/index.ts';
import type { StorePath } from '../../src/nixfmt/index.ts';
import { bin } from './bin.ts';

/** `trustix-vote log …` as a command line: the built bin when fresh, else the sources through tsx. */
const logCommand = (args: readonly string[]): [string, string[]] => [bin().file, [...bin().args, 'log', ...args]];

export const NIX_ENV = { NIX_CONFIG: 'experimental-features = nix-command\nsandbox = false\nbuild-users-group =\nsubstituters =' };

/** Every store path the log tests made, for forgetStorePaths. */
const made: StorePath[] = [];

/** Deletes from the store what makeStorePaths added (whatever is still there). */
export async function forgetStorePaths(): Promise<void> {
  const all = made.splice(0);
  if (all.length === 0) return;
  const invalid = new Set((await execa('nix-store', ['--check-validity', '--print-invalid', ...all], { env: NIX_ENV, reject: false })).stdout.split('\n'));
  const valid = all.filter((p) => !invalid.has(p));
  if (valid.length > 0) await execa('nix-store', ['--delete', ...valid], { env: NIX_ENV, reject: false });
}

/** `n` new store paths (files with random contents) and a built pair whose top refers to its dependency. */
export async function makeStorePaths(dir: string, n: number): Promise<{ files: StorePath[]; dep: StorePath; top: StorePath }> {
  const salt = randomBytes(8).toString('hex');
  const src = join(dir, `src-${salt}`);
  await mkdir(src, { recursive: true });
  const names = Array.from({ length: n }, (_, i) => join(src, `f${i}-${salt}`));
  await Promise.all(names.map((f, i) => writeFile(f, `${salt} ${i}\n`)));
  const files: StorePath[] = [];
  for (let i = 0; i < names.length; i += 500) {
    const out = await execa('nix-store', ['--add', ...names.slice(i, i + 500)], { env: NIX_ENV });
    files.push(...out.stdout.split('\n').filter(Boolean).map((p) => parseStorePath(p)));
  }
  const expr = join(dir, `pair-${salt}.nix`);
  await writeFile(expr, `let mk = name: deps: builtins.derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "echo ${salt} \${name} > $out; \${builtins.concatStringsSep ";" (map (d: "echo \${d} >> $out") deps)}" ]; };
  in rec { dep = mk "log-dep" [ ]; top = mk "log-top" [ dep ]; }`);
  const built = await execa('nix-build', [expr, '-A', 'dep', '-A', 'top', '--no-out-link'], { env: NIX_ENV });
  const [dep, top] = built.stdout.split('\n').filter(Boolean).map((p) => parseStorePath(p)) as [StorePath, StorePath];
  made.push(top, dep, ...files);
  return { files, dep, top };
}

export interface LogCli { readonly exitCode: number; readonly stdout: string; readonly stderr: string }

export async function logCli(args: readonly string[], input?: string): Promise<LogCli> {
  const [file, argv] = logCommand(args);
  const res = await execa(file, argv, { reject: false, env: NIX_ENV, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });
  return { exitCode: res.exitCode ?? -1, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** `log submit` with its pipes open, for a test that feeds it and kills it. */
export function submitProcess(args: readonly string[]): ChildProcess {
  const [file, argv] = logCommand(['submit', ...args]);
  return spawn(file, argv, { env: { ...process.env, ...NIX_ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
}

export interface LogServe {
  readonly url: string;
  stderr(): string;
  stop(): Promise<number>;
}

export async function startLogServe(state: string, extra: readonly string[] = []): Promise<LogServe> {
  const [file, argv] = logCommand(['serve', '--state', state, '--listen', '127.0.0.1:0', ...extra]);
  const proc = execa(file, argv, { reject: false, stdin: 'ignore' });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`log serve did not start: ${err}`)), 30_000);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void proc.then((r) => reject(new Error(`log serve exited ${r.exitCode}: ${err}`)));
  });
  return {
    url,
    stderr: () => err,
    async stop() {
      proc.kill('SIGTERM');
      return (await proc).exitCode ?? -1;
    },
  };
}

/** `key: value` lines, as log init prints them. */
export function fields(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}
