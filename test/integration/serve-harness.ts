/** Runs `trustix-vote serve` as a subprocess and Nix against it, as a user would. */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { MAIN, type Fixture } from './fixture.ts';

export interface Serve {
  readonly url: string;
  readonly publicKey: string;
  stderr(): string;
  stop(): Promise<number>;
}

export async function startServe(f: Fixture, logs: Parameters<Fixture['config']>[0], extra = ''): Promise<Serve> {
  const id = randomBytes(4).toString('hex');
  const sec = join(f.dir, `serve-${id}.sec`);
  const pub = join(f.dir, `serve-${id}.pub`);
  await execa('node', ['--import', 'tsx', MAIN, 'keygen', `serve-${id}-1`, '--secret', sec, '--public', pub]);
  const cfg = await f.config(logs, `[serve]\nsigning-key = ${sec}\n${extra}`);
  const proc = execa('node', ['--import', 'tsx', MAIN, 'serve', '--config', cfg, '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore' });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 20_000);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void proc.then((r) => reject(new Error(`serve exited ${r.exitCode}: ${err}`)));
  });
  return {
    url,
    publicKey: (await readFile(pub, 'utf8')).trim(),
    stderr: () => err,
    async stop() {
      proc.kill('SIGTERM');
      return (await proc).exitCode ?? -1;
    },
  };
}

export interface NixRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** nix-build of a demo attribute with `serve` as the only substituter and its key as the only trusted one. */
export async function nixBuildVia(f: Fixture, s: Serve, attr: string, localFlavour = 'local'): Promise<NixRun> {
  await writeFile(f.build.flavourFile, `${localFlavour}\n`);
  const conf = [
    'experimental-features = nix-command', 'sandbox = false', 'build-users-group =',
    `substituters = ${s.url}`, `trusted-public-keys = ${s.publicKey}`, 'fallback = true',
    'narinfo-cache-negative-ttl = 0', 'narinfo-cache-positive-ttl = 0',
  ].join('\n');
  const t0 = performance.now();
  const r = await execa('nix-build', [f.build.exprFile, '-A', attr, '--argstr', 'salt', f.build.salt, '--argstr', 'flavourFile', f.build.flavourFile, '--no-out-link'], {
    env: { NIX_CONFIG: conf }, reject: false, stdin: 'ignore',
  });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout).trim(), stderr: String(r.stderr), ms: performance.now() - t0 };
}

export function fetched(run: NixRun, path: string): boolean {
  return new RegExp(`copying path '${path}' from 'http`).test(run.stderr);
}

export function built(run: NixRun, path: string): boolean {
  const drvName = path.slice(path.indexOf('-') + 1);
  return new RegExp(`building '[^']*-${drvName}\\.drv'`).test(run.stderr);
}
