/**
 * Runs one command in this process, as main.ts would: a fake CliIO that records what
 * is written, and errors turned into an exit status and the one line main prints.
 * (When main(argv, io) is exported, `runCommand` becomes a call to it.)
 */
import { readFileSync, statSync } from 'node:fs';
import type { CliIO } from '../../src/cli/io.ts';
import { exitStatusOf } from '../../src/cli/status.ts';

export interface RunResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

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
    readFile: (p) => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
    isFile: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    signal: new AbortController().signal,
    ...over,
  };
}

export async function runCommand(name: string, run: Command, argv: readonly string[], over: Partial<CliIO> = {}): Promise<RunResult> {
  const io = fakeIO(over);
  let exitCode: number;
  try {
    exitCode = await run(argv, io);
  } catch (e) {
    const { status, message } = exitStatusOf(e);
    io.stderr(`trustix-vote ${name}: ${message}\n`);
    exitCode = status;
  }
  return { exitCode, stdout: io.out.join(''), stderr: io.err.join('') };
}
