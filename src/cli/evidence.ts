/** `trustix-vote evidence`: proof of equivocation the journal keeps. */
import { parseArgs } from 'node:util';
import { listEvidence } from '../journal/index.ts';
import { fingerprint, parseNarHash, parsePublicKey, parseStorePath, verifyFingerprintSig } from '../nixfmt/index.ts';
import { UsageError, type CliIO } from './io.ts';
import { openJournalReader } from './journal-config.ts';

export const EVIDENCE_HELP = `Usage: trustix-vote evidence [--config FILE] [--json]

List the evidence of equivocation in the journal. A log's key that validly signs
two different fingerprints (NarHash, NarSize or References) for one store path
has told two stories about one build. Each item holds both fingerprints and both
signatures, and the public key: anyone can check it without asking the log again
(this command checks both signatures again as it lists them). From the moment the
evidence is found, every answer of a log with that key counts as a fault of kind
"equivocation": it can no longer help any path pass the vote.

Options
  --config FILE   trustix-vote config (for [state] dir); else $TRUSTIX_VOTE_CONFIG,
                  else /etc/trustix-vote/config.ini, else /var/lib/trustix-vote
  --json          print a JSON array: {key, path, found, claims: [{log, fingerprint,
                  sig, firstSeen}, …], verified}
  -h, --help      show this help

Exit status
  0  no evidence
  1  evidence of equivocation is listed
  2  usage or configuration error
  4  no journal, or it cannot be read
`;

export async function runEvidence(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.stdout(EVIDENCE_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`evidence takes no arguments, got "${positionals[0]}"`);
  const db = openJournalReader(io, values.config);
  let items;
  try {
    items = listEvidence(db).map((e) => ({ ...e, verified: e.claims.every((c) => checks(e.key, c.fingerprint, c.sig)) }));
  } finally {
    db.close();
  }
  if (values.json) io.stdout(`${JSON.stringify(items, null, 2)}\n`);
  else if (items.length === 0) io.stdout('no evidence of equivocation\n');
  else {
    const out = [`${items.length} piece(s) of evidence of equivocation`, ''];
    for (const e of items) {
      out.push(`${e.path}`, `  key ${e.key}`, `  found ${e.found}; both signatures ${e.verified ? 'check out' : 'DO NOT check out (journal tampered?)'}`);
      for (const c of e.claims) out.push(`  via log ${c.log}, first seen ${c.firstSeen}:`, `    ${c.fingerprint}`, `    Sig: ${c.sig}`);
      out.push('');
    }
    io.stdout(out.join('\n'));
  }
  return items.length > 0 ? 1 : 0;
}

/** The signature checks over the fingerprint, and the fingerprint is well formed. */
function checks(key: string, fp: string, sig: string): boolean {
  try {
    const [, path, narHash, narSize, refs] = fp.split(';');
    const again = fingerprint({
      path: parseStorePath(path ?? ''), narHash: parseNarHash(narHash ?? ''), narSize: Number(narSize),
      references: (refs ?? '').split(',').filter(Boolean).map((r) => parseStorePath(r)),
    });
    return again === fp && verifyFingerprintSig(fp, sig, parsePublicKey(key));
  } catch {
    return false;
  }
}
