/**
 * The CLI without the process: `main(argv, io)` dispatches to a command and returns
 * its exit status. Everything it may touch of the process comes in through `io`, so
 * tests run it in process; only main.ts (the bin) builds the real CliIO and sets the
 * exit code. Commands load on demand, so `check` never pays for `serve`.
 */
import type { CliIO } from './io.ts';
import { exitStatusOf } from './status.ts';

export const HELP = `Usage: trustix-vote COMMAND [OPTIONS]

Let several independent build logs vote on every store path before Nix substitutes
it. The machine's Lua policy decides how much agreement is enough; paths that lose
are left to a local build.

Commands
  check TARGET...         vote on the closure of TARGET and show the verdicts
  policy test FILE --votes VOTES.json
                          try a policy on sample votes before deploying it
  serve                   be Nix's substituter: serve only paths that won the vote
  keygen NAME --secret FILE --public FILE
                          make serve's signing key pair
  config check FILE       load a config and its policies as serve would; query nothing
  post-build-hook --drain compare the local builds Nix's post-build hook queued
                          with the logs, and record how each compared
  why PATH                the story of one path: every log's answer, the
                          decisions, local rebuilds, evidence
  report                  local builds vs the vote, each log's record; with
                          --closure TARGET, how much of it two keys confirm
  evidence                proof of equivocation the journal keeps
  demo                    build three local caches (one lying) with real Nix and run check
  log init|serve|submit|token|verify --state DIR
                          keep a Trustix log of your own builds and serve it
  help [COMMAND]          show help for COMMAND

Run 'trustix-vote COMMAND --help' for a command's options and exit status.
`;

type Command = (argv: readonly string[], io: CliIO) => Promise<number>;

// Each command module exports run<Name> and <NAME>_HELP; only the one asked for is loaded.
const lazy = <M>(load: () => Promise<M>, pick: (m: M) => { run: Command; help: string }) => () => load().then(pick);

const commands: Record<string, () => Promise<{ run: Command; help: string }>> = {
  check: lazy(() => import('./check.ts'), (m) => ({ run: m.runCheck, help: m.CHECK_HELP })),
  policy: lazy(() => import('./policy.ts'), (m) => ({ run: m.runPolicy, help: m.POLICY_HELP })),
  serve: lazy(() => import('./serve.ts'), (m) => ({ run: m.runServe, help: m.SERVE_HELP })),
  keygen: lazy(() => import('./keygen.ts'), (m) => ({ run: m.runKeygen, help: m.KEYGEN_HELP })),
  config: lazy(() => import('./config.ts'), (m) => ({ run: m.runConfig, help: m.CONFIG_HELP })),
  demo: lazy(() => import('./demo.ts'), (m) => ({ run: m.runDemo, help: m.DEMO_HELP })),
  'post-build-hook': lazy(() => import('./hook.ts'), (m) => ({ run: m.runHook, help: m.HOOK_HELP })),
  why: lazy(() => import('./why.ts'), (m) => ({ run: m.runWhy, help: m.WHY_HELP })),
  report: lazy(() => import('./report.ts'), (m) => ({ run: m.runReport, help: m.REPORT_HELP })),
  evidence: lazy(() => import('./evidence.ts'), (m) => ({ run: m.runEvidence, help: m.EVIDENCE_HELP })),
  log: lazy(() => import('./log.ts'), (m) => ({ run: m.runLog, help: m.LOG_HELP })),
};

/** Runs one command line; resolves to the exit status. `serve` returns once io.signal aborts. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || (name === 'help' && rest.length === 0)) {
    io.stdout(HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.stdout('trustix-vote 0.1.0\n');
    return 0;
  }
  const wanted = name === 'help' ? rest[0] ?? '' : name;
  const load = commands[wanted];
  if (load === undefined) {
    io.stderr(`trustix-vote: unknown command "${wanted}" (commands: ${Object.keys(commands).join(', ')}; see trustix-vote --help)\n`);
    return 2;
  }
  try {
    const cmd = await load();
    if (name === 'help') {
      io.stdout(cmd.help);
      return 0;
    }
    return await cmd.run(rest, io);
  } catch (e) {
    const { status, message } = exitStatusOf(e);
    io.stderr(`trustix-vote ${wanted}: ${message}\n`);
    return status;
  }
}
