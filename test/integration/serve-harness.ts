/** Runs `trustix-vote serve` in process (main() with a test CliIO) and real Nix against it. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, type RunResult } from '../cli/run.ts';
import type { Fixture } from './fixture.ts';

export interface Serve {
  readonly url: string;
  readonly publicKey: string;
  stderr(): string;
  /** What SIGTERM is to the bin: resolves to serve's exit status. */
  stop(): Promise<number>;
}

/** A signing key pair made by `keygen`, as a user makes one; resolves to the public key. */
export async function keygen(name: string, sec: string, pub: string): Promise<string> {
  const r = await cli(['keygen', name, '--secret', sec, '--public', pub]);
  assert.equal(r.exitCode, 0, r.stderr);
  return (await readFile(pub, 'utf8')).trim();
}

export async function startServe(f: Fixture, logs: Parameters<Fixture['config']>[0], extra = ''): Promise<Serve> {
  const id = randomBytes(4).toString('hex');
  const sec = join(f.dir, `serve-${id}.sec`);
  const publicKey = await keygen(`serve-${id}-1`, sec, join(f.dir, `serve-${id}.pub`));
  const cfg = await f.config(logs, `[serve]\nsigning-key = ${sec}\n${extra}`);
  const stop = new AbortController();
  let err = '';
  let listening: (url: string) => void = () => undefined;
  const started = new Promise<string>((resolve) => (listening = resolve));
  const exited: Promise<RunResult> = cli(['serve', '--config', cfg, '--listen', '127.0.0.1:0'], {
    signal: stop.signal,
    onStderr: (s) => {
      err += s;
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m?.[1]) listening(m[1]);
    },
  });
  // A hang guard only: serve is already loaded and starting in this process, no process start counts.
  let guard: NodeJS.Timeout | undefined;
  const url = await Promise.race([
    started,
    exited.then((r) => Promise.reject(new Error(`serve exited ${r.exitCode} before listening: ${r.stderr}`))),
    new Promise<never>((_, reject) => (guard = setTimeout(() => {
      stop.abort(new Error('did not start'));
      reject(new Error(`serve did not listen within 30 s: ${err}`));
    }, 30_000))),
  ]).finally(() => clearTimeout(guard));
  return {
    url,
    publicKey,
    stderr: () => err,
    async stop() {
      stop.abort(new Error('SIGTERM received'));
      return (await exited).exitCode;
    },
  };
}

export interface NixRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** nix-build of a demo attribute with `serve` as the only substituter and its key as the only trusted one. */
export async function nixBuildVia(f: Fixture, s: Serve, attr: string, localFlavour = 'local', extra: { conf?: readonly string[]; env?: Record<string, string> } = {}): Promise<NixRun> {
  await writeFile(f.build.flavourFile, `${localFlavour}\n`);
  const conf = [
    'experimental-features = nix-command', 'sandbox = false', 'build-users-group =',
    `substituters = ${s.url}`, `trusted-public-keys = ${s.publicKey}`, 'fallback = true',
    'narinfo-cache-negative-ttl = 0', 'narinfo-cache-positive-ttl = 0', ...(extra.conf ?? []),
  ].join('\n');
  const r = await execa('nix-build', [f.build.exprFile, '-A', attr, '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], {
    env: { NIX_CONFIG: conf, ...extra.env }, reject: false, stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout).trim(), stderr: String(r.stderr) };
}

export function fetched(run: NixRun, path: string): boolean {
  return new RegExp(`copying path '${path}' from 'http`).test(run.stderr);
}

export function built(run: NixRun, path: string): boolean {
  const drvName = path.slice(path.indexOf('-') + 1);
  return new RegExp(`building '[^']*-${drvName}\\.drv'`).test(run.stderr);
}
