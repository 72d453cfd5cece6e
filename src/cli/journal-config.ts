/**
 * Where the commands that read or drain the journal find their configuration:
 * --config, else $TRUSTIX_VOTE_CONFIG, else /etc/trustix-vote/config.ini (the
 * post-build hook looks in the same places). Readers without any configuration use
 * the default state directory.
 */
import { join } from 'node:path';
import { DEFAULT_STATE_DIR, type Config } from '../config/config.ts';
import { ConfigError } from '../config/errors.ts';
import { JournalError, openReader, type Db } from '../journal/index.ts';
import { UsageError, type CliIO } from './io.ts';
import { JOURNAL_FILE, loadConfig } from './setup.ts';

export const SYSTEM_CONFIG = '/etc/trustix-vote/config.ini';

export function configFileOf(io: CliIO, flag: string | undefined): string | undefined {
  if (flag !== undefined) return flag;
  const env = io.env['TRUSTIX_VOTE_CONFIG'];
  if (env !== undefined && env !== '') return env;
  return io.readFile(SYSTEM_CONFIG) === undefined ? undefined : SYSTEM_CONFIG;
}

/** The configuration a drain needs: its logs and policy. */
export function requireConfig(io: CliIO, flag: string | undefined): Config {
  const file = configFileOf(io, flag);
  if (file === undefined) throw new ConfigError(SYSTEM_CONFIG, {}, 'no configuration: pass --config FILE or set TRUSTIX_VOTE_CONFIG');
  return loadConfig(io, file);
}

export function journalFileOf(io: CliIO, flag: string | undefined): string {
  const file = configFileOf(io, flag);
  const stateDir = file === undefined ? DEFAULT_STATE_DIR : loadConfig(io, file).stateDir;
  return join(stateDir, JOURNAL_FILE);
}

/** The journal opened read-only; a missing or unreadable one is JournalError (exit 4). */
export function openJournalReader(io: CliIO, flag: string | undefined): Db {
  const file = journalFileOf(io, flag);
  if (!io.isFile(file)) throw new JournalError(`no journal at ${file}: nothing has been recorded yet (serve, check and post-build-hook --drain write it)`);
  return openReader(file);
}

/** `2026-10-01`, `2026-10-01T12:00:00Z`, or an age: `7d`, `12h`. */
export function parseSince(v: string, now: number): number {
  const age = /^(\d+)([dh])$/.exec(v);
  if (age) return now - Number(age[1]) * (age[2] === 'd' ? 86_400_000 : 3_600_000);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(day) ? Date.parse(day) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--since wants a date (2026-10-01), an instant (2026-10-01T12:00:00Z) or an age (7d, 12h), got "${v}"`);
  return ms;
}
