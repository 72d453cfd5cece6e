#!/usr/bin/env node
/**
 * The bin, and the process boundary: the only module that reads argv, env and
 * signals or sets the exit status. It builds the real CliIO and hands it to main()
 * (run.ts), which does the rest without touching the process.
 */
import './heap.ts';
import { createInterface } from 'node:readline';
import { isFileOrNixDir, readFileOrUndefined } from './files.ts';
import type { CliIO } from './io.ts';
import { main } from './run.ts';

function processIO(): CliIO {
  // A stray rejection must not take a running server down: it is reported, and
  // whatever it belonged to has already failed closed (404 / fault).
  process.on('unhandledRejection', (e) => {
    process.stderr.write(`trustix-vote: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  });
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => controller.abort(new Error(`${sig} received`)));
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
    cwd: process.cwd(),
    pid: process.pid,
    readFile: readFileOrUndefined,
    isFile: isFileOrNixDir,
    signal: controller.signal,
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Infinity }),
  };
}

process.exitCode = await main(process.argv.slice(2), processIO());
