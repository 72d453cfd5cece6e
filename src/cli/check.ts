/** `trustix-vote check`: which paths of a closure do enough independent builders agree on? */
import { parseArgs } from 'node:util';
import { resolveTargets } from '../engine/targets.ts';
import { leanPast } from '../host/memory.ts';
import { createNixOps } from '../host/nix.ts';
import type { LogEvent } from '../ops.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { perLogLines } from './per-log.ts';
import { progressPrinter } from './progress.ts';
import type { Setup } from './setup.ts';
import { jsonChunks, sortDecisions, summary, tableChunks } from './table.ts';
import type { Decision } from '../vote/types.ts';

export const CHECK_HELP = `Usage: trustix-vote check [--config FILE] [--policy FILE] [--json] [--only untrusted] [-A ATTR]... TARGET...

Ask every configured log what it got when it built each store path of TARGET's
closure, let the policy vote, and show which paths Nix may substitute and which
it would have to build locally.

TARGET is one of
  /nix/store/…-name        its runtime closure; when the path is not in the local
                           store, its closure is learned from the logs' References
  /nix/store/…-name.drv    the outputs of every derivation in its closure
  FILE.nix                 instantiated with nix-instantiate (see -A), then as a .drv
  FLAKE#ATTR               evaluated with nix, then as a .drv

Options
  --config FILE   trustix-vote config (INI). Without it, the logs are the substituters
                  Nix uses (nix show-config, defaults included) whose
                  trusted-public-keys entry matches them by name.
  --policy FILE   Lua policy to use instead of the config's [policy] file. Without
                  either, a content-addressed path proves itself and anything else needs
                  a strict majority (> 50 %) of the configured logs.
  -A, --attr ATTR attribute of a FILE.nix target (repeatable)
  --json          print a JSON array, one object per path:
                  {path, verdict, narHash, agree, disagree, missing, faults, reason}
  --only untrusted
                  print only the paths Nix would build locally (the table's summary
                  and the exit status still count every path)
  -h, --help      show this help

The table: AGREE counts the logs that vote the trusted hash (on an untrusted path,
the hash most logs vote), OTHER those that vote any other hash, MISSING those that
have no claim of their own, FAULT those that failed to answer. After it, a line for
each log that faulted, whose answers are signed by other keys, or that found none
of the paths. Progress goes to stderr when it is a terminal.

Exit status
  0  every path is trusted
  1  at least one path is untrusted (Nix would build it locally)
  2  usage, configuration or policy-load error (nothing was queried)
  3  Nix could not list the closure (evaluation or store error)
  130 interrupted (SIGINT/SIGTERM)
`;

/** Past this many decisions check trades a little CPU for a heap near what it holds (host/memory.ts). */
const LEAN_PAST_PATHS = 5_000;

export async function runCheck(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      attr: { type: 'string', short: 'A', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('check needs at least one TARGET');
  if (values.only !== undefined && values.only !== 'untrusted') throw new UsageError(`--only takes "untrusted", not "${values.only}"`);
  const progress = progressPrinter(io);
  const heap = leanPast(LEAN_PAST_PATHS);
  const onEvent = (e: LogEvent) => {
    if (e.kind === 'progress') heap.decided(e.done);
    progress.onEvent(e);
  };
  const mark = timingMarks(io);
  mark('check started (main and check loaded)');
  // Nix lists the closure while the config, the policies and the logs load: a small
  // check is mostly those, and they need not wait for each other (bench/check-one.ts).
  const nixRun = new AbortController();
  const onAbort = () => nixRun.abort(io.signal.reason);
  io.signal.addEventListener('abort', onAbort, { once: true });
  const resolving = resolveTargets(positionals, { attrs: values.attr ?? [], isFile: io.isFile, onStep: progress.step }, createNixOps(undefined, io.env), nixRun.signal);
  resolving.catch(() => undefined);
  let s: Setup;
  try {
    const { loadConfig, setup } = await import('./setup.ts');
    const config = loadConfig(io, values.config);
    s = await setup(io, { config, ...(values.policy !== undefined && { policyFile: values.policy }), onEvent, verifyOnWorker: true, startSmall: true, journal: 'check' });
    mark('config, policies, logs and engine set up');
  } catch (e) {
    nixRun.abort();
    io.signal.removeEventListener('abort', onAbort);
    progress.done();
    heap.stop();
    throw e;
  }
  try {
    const roots = await resolving.finally(() => io.signal.removeEventListener('abort', onAbort)).catch((e: unknown) => {
      if (io.signal.aborted) return undefined;
      throw e;
    });
    if (roots === undefined) {
      io.stderr('trustix-vote check: interrupted while Nix listed the closure\n');
      return 130;
    }
    mark(`Nix listed ${roots.paths.length} paths`);
    // The deadline is for asking the logs; Nix's evaluation of the targets is not counted.
    const deadline = s.ops.deadline(s.config.query.deadlineMs, io.signal);
    progress.onEvent({ kind: 'progress', done: 0, total: roots.paths.length, phase: 'voting' });
    const policy = s.policies[0] as (typeof s.policies)[number];
    const decided = await s.engine.decideAll(roots.paths, { walk: roots.walk, signal: deadline.signal, policy }).finally(() => deadline.clear());
    progress.done();
    mark(`voted on ${decided.length} paths`);
    if (io.signal.aborted) {
      io.stderr('trustix-vote check: interrupted; no verdicts printed\n');
      return 130;
    }
    const decisions = sortDecisions(decided);
    const shown = values.only === 'untrusted' ? decisions.filter((d) => d.verdict !== 'trusted') : decisions;
    // Written as it is made: 200,000 decisions are 80 MB of JSON.
    writeAll(io, values.json ? jsonChunks(shown) : textReport(shown, decisions, s.config.logs.map((l) => l.name)));
    if (values.json) io.stdout('\n');
    return decisions.every((d) => d.verdict === 'trusted') ? 0 : 1;
  } finally {
    progress.done();
    heap.stop();
    await s.close();
    mark('closed');
  }
}

/**
 * TRUSTIX_VOTE_TIMING=1: where a check's time goes, as milliseconds since the process
 * started, on stderr (bench/check-one.ts).
 */
function timingMarks(io: CliIO): (what: string) => void {
  if (io.env['TRUSTIX_VOTE_TIMING'] === undefined) return () => undefined;
  return (what) => io.stderr(`trustix-vote: timing: ${performance.now().toFixed(0).padStart(5)} ms ${what}\n`);
}

/** The table of the paths shown, each log that needs a look, and the summary of all paths. */
function* textReport(shown: readonly Decision[], all: readonly Decision[], logs: readonly string[]): Generator<string> {
  if (shown.length > 0) {
    yield* chunksOf(tableChunks(shown), '\n');
    yield '\n\n';
  }
  const perLog = perLogLines(all, logs);
  if (perLog.length > 0) yield `${perLog.join('\n')}\n\n`;
  yield `${summary(all)}\n`;
}

/** Pieces joined by `sep`, without making one string of them. */
function* chunksOf(pieces: Iterable<string>, sep: string): Generator<string> {
  let first = true;
  for (const p of pieces) {
    yield first ? p : `${sep}${p}`;
    first = false;
  }
}

function writeAll(io: CliIO, pieces: Iterable<string>): void {
  for (const p of pieces) io.stdout(p);
}
