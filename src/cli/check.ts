/** `trustix-vote check`: which paths of a closure do enough independent builders agree on? */
import { parseArgs } from 'node:util';
import { resolveTargets } from '../engine/targets.ts';
import { createNixOps } from '../host/nix.ts';
import type { LogEvent } from '../ops.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';
import { sortDecisions, summary, toJson, toTable } from './table.ts';
import { loadConfig, setup } from './setup.ts';

export const CHECK_HELP = `Usage: trustix-vote check [--config FILE] [--policy FILE] [--json] [-A ATTR]... TARGET...

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
  -h, --help      show this help

Exit status
  0  every path is trusted
  1  at least one path is untrusted (Nix would build it locally)
  2  usage, configuration or policy-load error (nothing was queried)
  3  Nix could not list the closure (evaluation or store error)
  130 interrupted (SIGINT/SIGTERM)
`;

export async function runCheck(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      policy: { type: 'string' },
      json: { type: 'boolean', default: false },
      attr: { type: 'string', short: 'A', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(CHECK_HELP);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('check needs at least one TARGET');
  const config = loadConfig(io, values.config);
  const progress = progressPrinter(io);
  const s = await setup(io, { config, ...(values.policy !== undefined && { policyFile: values.policy }), onEvent: progress, verifyOnWorker: true });
  try {
    const nix = createNixOps(undefined, io.env);
    const roots = await resolveTargets(positionals, { attrs: values.attr ?? [], isFile: io.isFile }, nix, io.signal);
    // The deadline is for asking the logs; Nix's evaluation of the targets is not counted.
    const deadline = s.ops.deadline(config.query.deadlineMs, io.signal);
    progress({ kind: 'progress', done: 0, total: roots.paths.length, phase: 'voting' });
    const policy = s.policies[0] as (typeof s.policies)[number];
    const decided = await s.engine.decideAll(roots.paths, { walk: roots.walk, signal: deadline.signal, policy }).finally(() => deadline.clear());
    progress({ kind: 'progress', done: -1, total: 0, phase: 'done' });
    if (io.signal.aborted) {
      io.stderr('trustix-vote check: interrupted; no verdicts printed\n');
      return 130;
    }
    const decisions = sortDecisions(decided);
    if (values.json) io.stdout(`${toJson(decisions)}\n`);
    else io.stdout(`${toTable(decisions)}\n\n${summary(decisions)}\n`);
    return decisions.every((d) => d.verdict === 'trusted') ? 0 : 1;
  } finally {
    await s.close();
  }
}

/** A one-line counter on stderr, only when a person is watching it. */
function progressPrinter(io: CliIO): (e: LogEvent) => void {
  let last = 0;
  return (e) => {
    if (e.kind === 'warn') io.stderr(`trustix-vote: ${e.message}\n`);
    if (!io.stderrIsTTY || e.kind !== 'progress') return;
    if (e.phase === 'done') return io.stderr('\r\x1b[K');
    const now = Date.now();
    if (now - last < 100 && e.done !== e.total) return;
    last = now;
    io.stderr(`\r\x1b[K${e.phase}: ${e.done}/${e.total} paths`);
  };
}
