/**
 * The CLI run in this process through main(argv, io), exactly as the bin runs it, with
 * a fake CliIO the test holds: stdout and stderr recorded, an env, the bin's own file
 * reads, and an AbortSignal that is SIGINT/SIGTERM to the command (serve returns when
 * it aborts). What only a process can show (the shebang, signals, socket activation)
 * is in test/integration/bin.test.ts, through test/integration/bin.ts.
 */
import { isFileOrNixDir, readFileOrUndefined } from '../../src/cli/files.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/run.ts';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CliIO with an empty environment unless `over` gives one; `out` and `err` hold what was written. */
export function fakeIO(over: Partial<CliIO> = {}): CliIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    stderrIsTTY: false,
    env: {},
    cwd: process.cwd(),
    pid: process.pid,
    readFile: readFileOrUndefined,
    isFile: isFileOrNixDir,
    signal: new AbortController().signal,
    ...over,
  };
}

/** `trustix-vote ARGV...` through main(); resolves when the command returns. */
export async function runMain(argv: readonly string[], over: Partial<CliIO> = {}): Promise<RunResult> {
  const io = fakeIO(over);
  const exitCode = await main(argv, io);
  return { exitCode, stdout: io.out.join(''), stderr: io.err.join('') };
}

/** `trustix-vote NAME ARGV...` through main(). */
export function runCommand(name: string, argv: readonly string[], over: Partial<CliIO> = {}): Promise<RunResult> {
  return runMain([name, ...argv], over);
}

/** The settings every test's Nix runs with: single user, no sandbox, no substituter (test/data/nix-2.8/README.md). */
export const TEST_NIX_CONFIG = 'experimental-features = nix-command\nsandbox = false\nbuild-users-group =\nsubstituters =';

export interface CliOptions {
  /** Added to this process's environment, after NIX_CONFIG = TEST_NIX_CONFIG. */
  readonly env?: Readonly<Record<string, string>>;
  /** Aborting it is SIGTERM to the command. */
  readonly signal?: AbortSignal;
  /** Each stderr write as it happens (serve's "listening on" line, its decisions). */
  readonly onStderr?: (s: string) => void;
}

/**
 * `trustix-vote ARGS...` as a user on this machine runs it: this process's environment
 * with the tests' NIX_CONFIG, so the Nix that check starts is set up like every test's.
 */
export function cli(args: readonly string[], opts: CliOptions = {}): Promise<RunResult> {
  let stderr = '';
  return runMain(args, {
    env: { ...process.env, NIX_CONFIG: TEST_NIX_CONFIG, ...opts.env },
    ...(opts.signal !== undefined && { signal: opts.signal }),
    stderr: (s) => {
      stderr += s;
      opts.onStderr?.(s);
    },
  }).then((r) => ({ ...r, stderr }));
}
