/**
 * The CLI run in this process, as the bin runs it, with a CliIO the test holds: stdout
 * and stderr captured as strings, an env, the real file reads, and an AbortSignal that
 * is SIGTERM for the command (serve returns when it aborts). What only a process can
 * show (the shebang, signals, socket activation) is in test/integration/bin.ts.
 */
import { isFileOrNixDir, readFileOrUndefined } from '../../src/cli/files.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { main } from '../../src/cli/run.ts';

/** The settings every test's Nix runs with (see ../shared/NIX-TESTING.md). */
export const TEST_NIX_CONFIG = 'experimental-features = nix-command\nsandbox = false\nbuild-users-group =\nsubstituters =';

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** Added to this process's environment, after NIX_CONFIG = TEST_NIX_CONFIG. */
  readonly env?: Readonly<Record<string, string>>;
  /** Aborting it is SIGTERM to the command. */
  readonly signal?: AbortSignal;
  /** Each stderr write as it happens (serve's "listening on" line, its decisions). */
  readonly onStderr?: (s: string) => void;
}

/** Runs `trustix-vote ARGS...` in process; resolves when the command returns. */
export async function cli(args: readonly string[], opts: RunOptions = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => {
      stderr += s;
      opts.onStderr?.(s);
    },
    stderrIsTTY: false,
    env: { ...process.env, NIX_CONFIG: TEST_NIX_CONFIG, ...opts.env },
    cwd: process.cwd(),
    pid: process.pid,
    readFile: readFileOrUndefined,
    isFile: isFileOrNixDir,
    signal: opts.signal ?? new AbortController().signal,
  };
  const exitCode = await main(args, io);
  return { exitCode, stdout, stderr };
}
