/** `trustix-vote report`: what the journal says about the logs, the vote and this machine's builds. */
import { parseArgs } from 'node:util';
import { resolveTargets } from '../engine/targets.ts';
import { createNixOps } from '../host/nix.ts';
import { confirmationsOf, summarize, type Db, type Summary } from '../journal/index.ts';
import { UsageError, type CliIO } from './io.ts';
import { openJournalReader, parseSince } from './journal-config.ts';

export const REPORT_HELP = `Usage: trustix-vote report [--config FILE] [--since DATE] [--json]
       trustix-vote report [--config FILE] [--json] --closure TARGET [-A ATTR]...

From the journal under [state] dir:

  Local builds   paths this machine built (the post-build hook's queue) that the
                 vote had rejected, and how many reproduced what most logs voted
                 or diverged from it (each diverged path listed)
  Logs           per log, how often it agreed with the winner, dissented from it,
                 voted where no hash won, missed the path, or faulted
  Decisions      how many check and serve made, trusted and untrusted
  Evidence       how much evidence of equivocation was found (trustix-vote evidence)

With --closure TARGET: for every path of TARGET's closure (as trustix-vote check
reads TARGET), how many independent keys the journal saw sign the NarHash the
local store holds (or the one last voted, for paths not in the store): which
paths are confirmed by at least two keys, and which rest on one key only. A
local build that reproduced the path is counted beside the keys, not as one.

Options
  --config FILE    trustix-vote config (for [state] dir); else $TRUSTIX_VOTE_CONFIG,
                   else /etc/trustix-vote/config.ini, else /var/lib/trustix-vote
  --since DATE     only what happened since DATE: 2026-10-01, 2026-10-01T12:00:00Z,
                   or an age: 7d, 12h (default: all the journal keeps; see
                   [state] keep-days)
  --closure TARGET a store path, .drv, Nix file (with -A) or flake installable
  -A, --attr ATTR  attribute of a Nix file TARGET (repeatable)
  --json           print one JSON object
  -h, --help       show this help

Exit status
  0  nothing alarming: no local build diverged and no evidence was found (with
     --closure: every path is confirmed by at least two keys)
  1  some local build diverged, or there is evidence of equivocation (with
     --closure: some path rests on fewer than two keys)
  2  usage or configuration error
  3  Nix could not list the closure
  4  no journal, or it cannot be read
`;

export async function runReport(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      since: { type: 'string' },
      closure: { type: 'string' },
      attr: { type: 'string', short: 'A', multiple: true },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(REPORT_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`report takes no arguments, got "${positionals[0]}" (a closure is --closure TARGET)`);
  const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
  const db = openJournalReader(io, values.config);
  try {
    if (values.closure !== undefined) return await closureReport(io, db, values.closure, values.attr ?? [], values.json);
    const s = summarize(db, since);
    io.stdout(values.json ? `${JSON.stringify(s, null, 2)}\n` : summaryText(s));
    return s.builds.diverged > 0 || s.evidence > 0 ? 1 : 0;
  } finally {
    db.close();
  }
}

export function summaryText(s: Summary): string {
  const b = s.builds;
  const r = b.rejected;
  const out = [s.since === null ? 'Everything the journal keeps' : `Since ${s.since}`, ''];
  out.push(`Local builds: ${b.total} (${b.reproduced} reproduced, ${b.diverged} diverged, ${b.firstBuild} first build(s))`);
  out.push(`  you rebuilt ${r.total} path(s) the vote rejected: ${r.reproduced} reproduced the majority, ${r.diverged} diverged${r.firstBuild > 0 ? `, ${r.firstBuild} no log had` : ''}`);
  if (b.divergedPaths.length > 0) out.push(`  diverged (${b.divergedPaths.length}):`);
  for (const d of b.divergedPaths) out.push(`    ${d.path}`, `      ${d.reason} (${d.checked})`);
  out.push('', `Decisions: ${s.decisions.total} (${s.decisions.trusted} trusted, ${s.decisions.untrusted} untrusted)`);
  if (s.logs.length > 0) {
    const w = Math.max(3, ...s.logs.map((l) => l.log.length));
    out.push('', `${'LOG'.padEnd(w)}  AGREED  DISSENTED  NO-WINNER  MISSED  FAULTED`);
    for (const l of s.logs) {
      out.push(`${l.log.padEnd(w)}  ${String(l.agree).padStart(6)}  ${String(l.dissent).padStart(9)}  ${String(l.vote).padStart(9)}  ${String(l.miss).padStart(6)}  ${String(l.fault).padStart(7)}`);
    }
  }
  out.push('', s.evidence > 0 ? `EVIDENCE OF EQUIVOCATION: ${s.evidence} (see trustix-vote evidence)` : 'No evidence of equivocation.', '');
  return out.join('\n');
}

async function closureReport(io: CliIO, db: Db, target: string, attrs: readonly string[], json: boolean): Promise<number> {
  const nix = createNixOps();
  const roots = await resolveTargets([target], { attrs, isFile: io.isFile }, nix, io.signal);
  // A TARGET not in the local store: only the paths named, as its closure is not known here.
  const paths = roots.paths;
  const local = new Map((await nix.pathInfo(paths, io.signal)).map((p) => [p.path as string, p.narHash as string]));
  const lastVoted = db.prepare('SELECT nar_hash FROM decisions WHERE path = ? AND nar_hash IS NOT NULL ORDER BY at DESC LIMIT 1').pluck();
  const confirm = confirmationsOf(db);
  const rows = paths.map((p) => {
    const narHash = local.get(p) ?? (lastVoted.get(p) as string | undefined);
    const c = narHash === undefined ? { keys: [], local: false } : confirm(p, narHash);
    return { path: p as string, narHash: narHash ?? null, inStore: local.has(p), keys: c.keys.map((k) => k.slice(0, k.indexOf(':'))), reproducedHere: c.local };
  }).sort((a, b) => a.keys.length - b.keys.length || (a.path < b.path ? -1 : 1));
  const two = rows.filter((r) => r.keys.length >= 2);
  const one = rows.filter((r) => r.keys.length === 1);
  const none = rows.filter((r) => r.keys.length === 0);
  if (json) {
    io.stdout(`${JSON.stringify({ target, paths: rows.length, confirmed: two.length, oneKey: one.length, noKey: none.length, rows }, null, 2)}\n`);
  } else {
    const out = [`Closure of ${target}: ${rows.length} path(s)`, `  ${two.length} confirmed by at least two independent keys`, `  ${one.length} rest on one key only${one.length > 0 ? ':' : ''}`];
    for (const r of one) out.push(`    ${r.path}  (${r.keys[0]}${r.reproducedHere ? '; reproduced by a local build' : ''})`);
    out.push(`  ${none.length} signed by no key the journal has seen${none.length > 0 ? ':' : ''}`);
    for (const r of none) out.push(`    ${r.path}${r.reproducedHere ? '  (built here)' : r.narHash === null ? '  (not in the store, never voted)' : ''}`);
    io.stdout(`${out.join('\n')}\n`);
  }
  return one.length + none.length > 0 ? 1 : 0;
}
