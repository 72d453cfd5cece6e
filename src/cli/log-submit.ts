/** `trustix-vote log submit`: append locally built store paths to our log and sign the new head. */
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createNixOps } from '../host/nix.ts';
import { appendFacts, conflictText, openAppender, type Appender } from './log-append.ts';
import { parseStorePath } from '../nixfmt/index.ts';
import type { StorePath } from '../nixfmt/index.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';

export const LOG_SUBMIT_HELP = `Usage: trustix-vote log submit --state DIR [--stdin] [--batch N] STOREPATH...

Append store paths this machine built to the log in DIR: for each, what the local
store says about it (nix path-info --json: NarHash, NarSize, References) becomes
the value a Trustix client gets for that path. Each batch of paths is appended,
and a new head signed over it, in one transaction: when its lines are printed, the
batch is on disk. Safe to run while 'log serve' serves DIR (it serves the new head
at once) and while other submits run (they take turns).

A path the log already holds with the same facts is left as it is. A path it holds
with other facts is refused and reported: a log never changes its answer.

Output: one line per path on stdout once its batch is committed,
  added /nix/store/…-hello-2.12.1 41        (its index in the log)
  present /nix/store/…-hello-2.12.1 41
and refused or unknown paths on stderr.

Options
  --state DIR   the log's state directory (see trustix-vote log init)
  --stdin       also read store paths from standard input, one per line
  --batch N     paths per transaction and signed head (default 100)
  -h, --help    show this help

Exit status: 0 when every path is in the log, 1 when some were refused or are not
in the local store, 2 on usage or state errors, 3 when nix path-info failed.
`;

export async function runLogSubmit(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      state: { type: 'string' }, stdin: { type: 'boolean', default: false }, batch: { type: 'string', default: '100' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(LOG_SUBMIT_HELP);
    return 0;
  }
  if (values.state === undefined) throw new UsageError('log submit needs --state DIR');
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new UsageError('--batch wants a whole number from 1 to 10000');
  if (positionals.length === 0 && !values.stdin) throw new UsageError('log submit needs STOREPATH... (or --stdin)');
  const appender = openAppender(resolve(io.cwd, values.state));
  const db = appender.log.db;
  try {
    const run = { appender, io, failed: 0, added: 0, present: 0 };
    let batch: StorePath[] = [];
    for await (const arg of args(positionals, values.stdin ? io.stdinLines : undefined)) {
      if (io.signal.aborted) break;
      batch.push(await storePath(io.cwd, arg));
      if (batch.length >= batchSize) {
        await submitBatch(run, batch);
        batch = [];
      }
    }
    if (batch.length > 0 && !io.signal.aborted) await submitBatch(run, batch);
    const head = db.latestHead();
    io.stderr(`trustix-vote log submit: ${run.added} added, ${run.present} already there, ${run.failed} not added; the log's TreeSize is ${head.treeSize}\n`);
    return run.failed > 0 ? 1 : 0;
  } finally {
    db.close();
  }
}

async function* args(positionals: readonly string[], stdin: CliIO['stdinLines']): AsyncIterable<string> {
  yield* positionals;
  if (stdin === undefined) return;
  for await (const line of stdin()) if (line.trim() !== '') yield line.trim();
}

/** A store path as given, or what a link to one (./result) points to. */
async function storePath(cwd: string, arg: string): Promise<StorePath> {
  try {
    return parseStorePath(arg);
  } catch {
    const real = await realpath(resolve(cwd, arg)).catch(() => arg);
    try {
      return parseStorePath(real);
    } catch {
      throw new UsageError(`"${arg}" is not a store path (a path in the store directory, like /nix/store/…-hello-2.12.1)`);
    }
  }
}

interface Run { readonly appender: Appender; readonly io: CliIO; failed: number; added: number; present: number }

async function submitBatch(run: Run, batch: readonly StorePath[]): Promise<void> {
  const wanted = [...new Set(batch)];
  const infos = new Map((await createNixOps('/nix/store', run.io.env).pathInfo(wanted, run.io.signal)).map((i) => [i.path, i]));
  for (const p of wanted.filter((x) => !infos.has(x))) {
    run.failed += 1;
    run.io.stderr(`trustix-vote log submit: ${p} is not in the local store (not added)\n`);
  }
  const out: string[] = [];
  for (const { path, outcome: o } of appendFacts(run.appender, wanted.flatMap((p) => infos.get(p) ?? []))) {
    if (o.kind === 'conflict') {
      run.failed += 1;
      run.io.stderr(`trustix-vote log submit: ${conflictText(path, o)}\n`);
    } else {
      run[o.kind === 'added' ? 'added' : 'present'] += 1;
      out.push(`${o.kind} ${path} ${o.index}\n`);
    }
  }
  if (out.length > 0) run.io.stdout(out.join(''));
}
