/** `trustix-vote log verify`: the whole log checked against itself and its key, as after a crash. */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { auditLog } from '../logserver/audit.ts';
import { statePaths } from '../logserver/state.ts';
import { openLogDb } from '../logserver/store.ts';
import type { CliIO } from './io.ts';
import { UsageError } from './io.ts';

export const LOG_VERIFY_HELP = `Usage: trustix-vote log verify --state DIR

Check the log in DIR the way a suspicious reader would, from what it stores: every
head's signature, the main log's and the map-head log's roots recomputed from their
leaves, the map's root recomputed from the entries, a consistency proof between
each two heads, and every value against its digest. Read-only, and safe while
serve and submit run.

Exit status: 0 when the log is sound, 1 when it is not (each problem on stderr),
2 on usage errors or when DIR holds no log.
`;

export async function runLogVerify(argv: readonly string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...argv], allowPositionals: true, options: { state: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    io.stdout(LOG_VERIFY_HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError(`log verify takes no arguments, got "${positionals[0]}"`);
  if (values.state === undefined) throw new UsageError('log verify needs --state DIR');
  const db = openLogDb(statePaths(resolve(io.cwd, values.state)).db);
  try {
    const report = await auditLog(db);
    for (const p of report.problems) io.stderr(`trustix-vote log verify: ${p}\n`);
    const head = db.latestHead();
    io.stdout(`${report.problems.length === 0 ? 'ok' : 'BROKEN'}: ${report.entries} entries, ${report.heads} heads; latest head TreeSize ${head.treeSize}, MHTreeSize ${head.mhTreeSize}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } finally {
    db.close();
  }
}
