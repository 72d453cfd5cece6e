/**
 * The local Nix, spoken to through its commands. Works with Nix 2.8 (Debian) and newer:
 * `nix derivation show` is tried first and `nix show-derivation` is the fallback.
 */
import { execFile, spawnSync } from 'node:child_process';
import { knownOutputPaths, parseDerivationShowJson, parsePathInfoJson, type DerivationInfo, type StorePath } from '../nixfmt/index.ts';
import type { NixOps } from '../ops.ts';

export class NixCommandError extends Error {
  readonly code = 'NIX_COMMAND';
}

const NIX_FLAGS = ['--extra-experimental-features', 'nix-command'];
const CHUNK = 2000;

/** The environment Nix runs with: the caller's (CliIO.env), not this process's, when given. */
type Env = Readonly<Record<string, string | undefined>>;

const MAX_OUTPUT = 512 * 1024 * 1024;

// node:child_process, not execa: execa and its dependencies are ~150 modules, 150-200 ms
// of every `check` before the first query (bench/check-one.ts).
function run(cmd: string, args: readonly string[], signal: AbortSignal, env: Env | undefined, okCodes: number[] = [0]): Promise<string> {
  return new Promise((resolve, reject) => {
    const opts = { signal, maxBuffer: MAX_OUTPUT, encoding: 'utf8' as const, ...(env !== undefined && { env: definedOnly(env) }) };
    const child = execFile(cmd, args, opts, (err, stdout, stderr) => {
      if (err === null || (typeof err.code === 'number' && okCodes.includes(err.code))) return resolve(stdout);
      const why = nixError(stderr) ?? failure(cmd, err);
      reject(new NixCommandError(`${cmd} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' …' : ''}: ${why}`, { cause: err }));
    });
    child.stdin?.end();
  });
}

/** Why a command failed when it said nothing on stderr. */
function failure(cmd: string, err: { code?: unknown; signal?: unknown; name?: string; message: string }): string {
  if (err.code === 'ENOENT') return `${cmd} is not installed (not found on PATH)`;
  if (err.name === 'AbortError') return 'cancelled';
  if (err.code === 'ETIMEDOUT') return 'timed out';
  if (typeof err.code === 'number') return `exited with status ${err.code}`;
  if (typeof err.signal === 'string') return `killed by ${err.signal}`;
  return err.message.split('\n')[0] ?? String(err.code);
}

/** Nix's "error: …" line and its "at FILE:LINE:COL" line, the part a person acts on. */
function nixError(stderr: string): string | undefined {
  const all = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const i = all.findIndex((l) => l.startsWith('error:'));
  if (i < 0) return all.pop();
  const at = all.slice(i + 1).find((l) => l.startsWith('at '));
  return at === undefined ? all[i] : `${all[i]} (${at.replace(/:$/, '')})`;
}

export type NixSettings = { readonly json: string; readonly command: string } | { readonly unavailable: string; readonly installed: boolean };

/**
 * The local Nix's effective settings, defaults and every configuration source
 * included, as JSON: `nix config show --json` (Nix ≥ 2.20), else `nix show-config
 * --json`. Synchronous, as the configuration is read before anything else runs;
 * bounded by a timeout. `installed: false` when there is no nix to ask.
 */
export function nixEffectiveSettings(env: Readonly<Record<string, string | undefined>>, timeoutMs = 20_000): NixSettings {
  let why = '';
  for (const sub of [['config', 'show'], ['show-config']]) {
    const args = [...NIX_FLAGS, ...sub, '--json'];
    const res = spawnSync('nix', args, { env: definedOnly(env), stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    const err = res.error as (Error & { code?: unknown }) | undefined;
    if (err?.code === 'ENOENT') return { unavailable: 'nix is not installed', installed: false };
    if (err === undefined && res.status === 0) return { json: res.stdout, command: `nix ${sub.join(' ')} --json` };
    const said = nixError(res.stderr ?? '');
    why = `nix ${sub.join(' ')} --json: ${said ?? (err !== undefined ? failure('nix', err) : res.signal !== null ? `killed by ${res.signal}` : `exited with status ${res.status}`)}`;
  }
  return { unavailable: why, installed: true };
}

function definedOnly(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);

async function chunked(paths: readonly string[], f: (chunk: string[]) => Promise<string[]>): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < paths.length; i += CHUNK) out.push(...(await f(paths.slice(i, i + CHUNK))));
  return out;
}

/** `nix derivation show` (or, before Nix 2.15, `nix show-derivation`) of these .drv files. */
async function showDerivations(drvs: readonly string[], recursive: boolean, signal: AbortSignal, env: Env | undefined, storeDir: string): Promise<DerivationInfo[]> {
  const args = [...(recursive ? ['-r'] : []), ...drvs];
  let json: string;
  try {
    json = await run('nix', [...NIX_FLAGS, 'derivation', 'show', ...args], signal, env);
  } catch {
    json = await run('nix', [...NIX_FLAGS, 'show-derivation', ...args], signal, env);
  }
  try {
    return parseDerivationShowJson(json, storeDir);
  } catch (e) {
    // A shape this version does not know is said, never guessed at (exit 3 like any Nix failure).
    throw new NixCommandError(`nix derivation show: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function createNixOps(storeDir = '/nix/store', env?: Env): NixOps {
  return {
    storeDir,
    async validPaths(paths, signal) {
      const invalid = new Set(
        await chunked(paths, async (c) => lines(await run('nix-store', ['--check-validity', '--print-invalid', ...c], signal, env))),
      );
      return new Set(paths.filter((p) => !invalid.has(p)));
    },
    async closure(paths, signal) {
      if (paths.length === 0) return [];
      return [...new Set(await chunked(paths, async (c) => lines(await run('nix-store', ['-qR', ...c], signal, env))))];
    },
    async derivationOutputs(drvs, signal) {
      if (drvs.length === 0) return [];
      return knownOutputPaths(await showDerivations(drvs, true, signal, env, storeDir));
    },
    async outputsOf(drvs, signal) {
      const out = new Map<string, StorePath[]>();
      if (drvs.length === 0) return out;
      for (const d of await showDerivations(drvs, false, signal, env, storeDir)) out.set(d.drvPath, knownOutputPaths([d]));
      return out;
    },
    async instantiate(file, attrs, signal) {
      return lines(await run('nix-instantiate', [file, ...attrs.flatMap((a) => ['-A', a])], signal, env)).filter((l) => l.endsWith('.drv'));
    },
    async installableDerivation(installable, signal) {
      return lines(await run('nix', [...NIX_FLAGS, 'path-info', '--derivation', installable], signal, env));
    },
    async pathInfo(paths, signal) {
      // Only valid paths: Nix asks its substituters about the others (here, possibly serve itself).
      const valid = [...(await this.validPaths(paths, signal))];
      const out = [];
      for (let i = 0; i < valid.length; i += CHUNK) {
        const json = await run('nix', [...NIX_FLAGS, 'path-info', '--json', ...valid.slice(i, i + CHUNK)], signal, env);
        try {
          out.push(...parsePathInfoJson(json, storeDir));
        } catch (e) {
          throw new NixCommandError(`nix path-info --json: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
      return out;
    },
  };
}
