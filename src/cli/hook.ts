/** `trustix-vote post-build-hook --drain`: compare the locally built paths the hook queued with the logs. */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createNixOps } from '../host/nix.ts';
import { ensureSpool, spoolDirOf } from '../host/spool.ts';
import { JournalError } from '../journal/index.ts';
import { createPublisher } from './publish.ts';
import { drain } from './drain.ts';
import { UsageError, type CliIO } from './io.ts';
import { requireConfig } from './journal-config.ts';
import { drainFields } from './serve-drain.ts';
import { setup } from './setup.ts';

export const HOOK_HELP = `Usage: trustix-vote post-build-hook --drain [--config FILE] [--json]
       trustix-vote post-build-hook --print-path

After every local build, Nix runs its post-build-hook. trustix-vote's hook is a
small shell script, hooks/post-build-hook in this package, that only queues the
build's output paths in <[state] dir>/spool/ and exits 0 whatever happens (no
Node, no database, no network: a build never waits on the logs). Point Nix at it:

  post-build-hook = $(trustix-vote post-build-hook --print-path)

and give the hook its configuration in TRUSTIX_VOTE_CONFIG (the daemon's
environment), else it reads /etc/trustix-vote/config.ini.

--drain takes every queued build, reads its NarHash from the local store
(nix path-info), asks every configured log about it, lets the policy decide,
and records in the journal how this machine's build compared:

  reproduced   the same NarHash as the winner (or, when no hash won, as most
               logs voted): which logs matched is recorded
  diverged     the logs say X, this machine built Y
  first-build  no log has a vote for the path
  unchecked    no log could be asked for a day (until then the build stays queued)

A queue file is removed only once its builds are in the journal, so stopping a
drain at any point loses nothing. A queue file that does not parse is moved to
spool/corrupt/ (with a .why note) and reported, never retried. serve drains the
queue on its own every [state] drain-every seconds; --drain is for machines
without serve, or a systemd timer.

Options
  --drain         drain the queue now (one pass)
  --config FILE   trustix-vote config; else $TRUSTIX_VOTE_CONFIG, else
                  /etc/trustix-vote/config.ini
  --json          print the result as one JSON object
  --print-path    print the hook script's absolute path
  -h, --help      show this help

Exit status
  0  drained; no build diverged
  1  at least one build diverged from what the logs say
  2  usage or configuration error
  3  Nix could not say what a queued path is
  4  the journal could not be opened or written (the queue is kept)
`;

export async function runHook(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      drain: { type: 'boolean', default: false },
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      'print-path': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(HOOK_HELP);
    return 0;
  }
  if (values['print-path']) {
    io.stdout(`${fileURLToPath(new URL('../../hooks/post-build-hook', import.meta.url))}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`post-build-hook takes no arguments, got "${positionals[0]}"`);
  if (!values.drain) throw new UsageError('post-build-hook wants --drain or --print-path (Nix runs the shell script hooks/post-build-hook itself, not this command)');
  const config = requireConfig(io, values.config);
  const warnings: string[] = [];
  const warn = (m: string) => {
    warnings.push(m);
    io.stderr(`trustix-vote: ${m}\n`);
  };
  const s = await setup(io, { config, journal: 'drain', verifyOnWorker: true, onEvent: (e) => e.kind === 'warn' && warn(e.message) });
  try {
    if (s.journal === undefined) {
      throw new JournalError(config.journal.enabled ? 'the journal cannot be opened (see above): nothing drained, the queue is kept' : '[state] journal = off: nothing to record the builds in');
    }
    const policy = s.policies[0];
    if (policy === undefined) throw new TypeError('no default policy');
    const dir = spoolDirOf(config.stateDir);
    await ensureSpool(dir);
    const publisher = config.publish === undefined ? undefined : createPublisher(config.publish.stateDir, warn);
    const r = await drain({
      engine: s.engine, policy, logs: s.logs, journal: s.journal, nix: createNixOps(), ops: s.ops, spoolDir: dir, signal: io.signal,
      concurrency: 32, deadlineMs: config.query.deadlineMs, now: Date.now, warn,
      ...(publisher !== undefined && { publish: publisher.publish }),
    }).finally(() => publisher?.close());
    const fields = { ...drainFields(r), ...(publisher !== undefined && { published: { ...publisher.counts } }) };
    if (values.json) io.stdout(`${JSON.stringify(fields)}\n`);
    else io.stdout(drainText(r.recorded, fields));
    if (r.failed !== undefined) throw new JournalError(`cannot write the journal: ${r.failed}; the queue is kept for the next drain`);
    return r.recorded.some((b) => b.verdict === 'diverged') ? 1 : 0;
  } finally {
    await s.close();
  }
}

function drainText(recorded: readonly { path: string; verdict: string; reason: string }[], f: Record<string, unknown>): string {
  const lines = [`recorded ${f['recorded']} local build(s): ${f['reproduced']} reproduced, ${f['diverged']} diverged, ${f['firstBuild']} first build(s)${f['unchecked'] ? `, ${f['unchecked']} unchecked` : ''}`];
  for (const b of recorded) lines.push(`  ${b.verdict.padEnd(11)} ${b.path}\n              ${b.reason}`);
  if (f['kept']) lines.push(`${f['kept']} kept queued: no log could be asked (tried again next time)`);
  if (f['gone']) lines.push(`${f['gone']} queued path(s) no longer in the store (garbage-collected): skipped`);
  if ((f['corrupt'] as unknown[]).length > 0) lines.push(`${(f['corrupt'] as unknown[]).length} corrupt queue file(s) moved to spool/corrupt/`);
  if (f['more']) lines.push(`${f['more']} more queued: run again`);
  const pub = f['published'] as { added: number; present: number; refused: number } | undefined;
  if (pub !== undefined) lines.push(`published to our log: ${pub.added} added, ${pub.present} already there, ${pub.refused} refused`);
  return `${lines.join('\n')}\n`;
}
