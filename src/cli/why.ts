/** `trustix-vote why PATH`: everything the journal knows of one store path. */
import { parseArgs } from 'node:util';
import { storyOf, type Story } from '../journal/index.ts';
import { parseStorePath, type StorePath } from '../nixfmt/index.ts';
import { UsageError, type CliIO } from './io.ts';
import { openJournalReader } from './journal-config.ts';

export const WHY_HELP = `Usage: trustix-vote why [--config FILE] [--json] [--limit N] PATH

The whole story of one store path, from the journal under [state] dir:

  Local builds   each time this machine built it (the post-build hook's queue,
                 drained): its NarHash, whether it reproduced what the logs say,
                 diverged from it, or was the first build, and the decision then
  Decisions      each decision check, serve or a drain made (newest first, at
                 most N): the verdict, the policy's reason, and every log's part:
                 agreed, dissented (and with which NarHash), missed or faulted (why)
  Signed claims  every verified signed claim a log made about it: key, NarHash,
                 the signature, when first and last seen
  Evidence       equivocation: one key signing two different fingerprints for it

PATH is a store path (/nix/store/…-name) or its base name.

Options
  --config FILE   trustix-vote config (for [state] dir); else $TRUSTIX_VOTE_CONFIG,
                  else /etc/trustix-vote/config.ini, else /var/lib/trustix-vote
  --json          print the story as one JSON object
  --limit N       decisions shown at most (default 20)
  -h, --help      show this help

Exit status
  0  the journal knows this path
  1  the journal has nothing about it
  2  usage or configuration error
  4  no journal, or it cannot be read
`;

export async function runWhy(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.stdout(WHY_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('why wants exactly one PATH');
  const path = storePathArg(positionals[0] as string);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit wants a whole number > 0');
  const db = openJournalReader(io, values.config);
  try {
    const story = storyOf(db, path, limit);
    const known = story.decisions.length + story.claims.length + story.builds.length + story.evidence.length > 0;
    if (values.json) io.stdout(`${JSON.stringify(story, null, 2)}\n`);
    else io.stdout(known ? storyText(story) : `${path}: the journal has nothing about this path\n`);
    return known ? 0 : 1;
  } finally {
    db.close();
  }
}

export function storePathArg(arg: string): StorePath {
  try {
    return parseStorePath(arg.includes('/') ? arg.replace(/\/+$/, '') : `/nix/store/${arg}`);
  } catch (e) {
    throw new UsageError(`${arg}: not a store path (${e instanceof Error ? e.message : String(e)})`);
  }
}

export function storyText(s: Story): string {
  const out: string[] = [s.path, ''];
  if (s.evidence.length > 0) {
    out.push('EVIDENCE OF EQUIVOCATION');
    for (const e of s.evidence) {
      out.push(`  key ${e.key.slice(0, e.key.indexOf(':'))} signed two fingerprints (found ${e.found}):`);
      for (const c of e.claims) out.push(`    via log ${c.log}, first seen ${c.firstSeen}\n      ${c.fingerprint}\n      Sig: ${c.sig}`);
    }
    out.push('');
  }
  if (s.builds.length > 0) {
    out.push('Local builds (newest first)');
    for (const b of s.builds) {
      out.push(`  ${b.checked}  ${b.verdict}: ${b.reason}`);
      out.push(`      built ${b.narHash}${b.drv ? ` from ${b.drv}` : ''}, queued ${b.queued}`);
      out.push(`      the vote then: ${b.decision.verdict}${b.decision.policy ? ` (policy ${b.decision.policy})` : ''}: ${b.decision.reason}`);
    }
    out.push('');
  }
  if (s.decisions.length > 0) {
    out.push('Decisions (newest first)');
    for (const d of s.decisions) {
      const served = d.served === null ? '' : d.served ? ', served to Nix' : ', not served';
      out.push(`  ${d.at}  ${d.source}${d.policy ? ` policy ${d.policy}` : ''}: ${d.verdict}${d.narHash ? ` ${d.narHash}` : ''}${served}`);
      out.push(`      ${d.reason}`);
      const width = Math.max(...d.logs.map((l) => l.log.length), 3);
      for (const l of d.logs) {
        const what = l.role === 'agree' ? 'agreed' : l.role === 'dissent' ? `dissented: ${l.narHash}` : l.role === 'vote' ? `voted ${l.narHash}` : `${l.role === 'miss' ? 'missed' : 'faulted'}: ${l.kind} (${l.reason})`;
        out.push(`      ${l.log.padEnd(width)}  ${what}`);
      }
    }
    out.push('');
  }
  if (s.claims.length > 0) {
    out.push('Signed claims');
    for (const c of s.claims) {
      out.push(`  ${c.log} (${c.key.slice(0, c.key.indexOf(':'))}): ${c.narHash}, first seen ${c.firstSeen}, last seen ${c.lastSeen}`);
      out.push(`      Sig: ${c.sig}`);
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
