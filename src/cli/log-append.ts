/**
 * Appending this machine's builds to our own log in a state directory: what `log
 * submit` does with paths from the command line, and the drain with `[publish]`.
 * Each call is one transaction and one signed head; other writers take turns.
 */
import { LogStateError } from '../logserver/errors.ts';
import { checkItem, itemOf } from '../logserver/items.ts';
import { appendItems, openLog } from '../logserver/log.ts';
import type { OpenLog, Outcome } from '../logserver/log.ts';
import type { LogSecret } from '../logserver/state.ts';
import { readLogSecret, statePaths } from '../logserver/state.ts';
import { toHex } from '../merkle/index.ts';
import type { PathFacts, StorePath } from '../nixfmt/index.ts';

export interface Appender {
  readonly log: OpenLog;
  readonly secret: LogSecret;
  readonly dir: string;
}

/** Opens the log in `dir` for appending Nix store paths (its map is loaded: O(entries)). */
export function openAppender(dir: string): Appender {
  const paths = statePaths(dir);
  const log = openLog(paths.db);
  try {
    if (log.db.meta.protocol.name !== 'nix') throw new LogStateError(`only Nix store paths are appended here; the log in ${paths.dir} is a "${log.db.meta.protocol.name}" log`);
    return { log, secret: readLogSecret(paths, log.db.meta.key), dir: paths.dir };
  } catch (e) {
    log.db.close();
    throw e;
  }
}

/** Appends the facts as one batch under one new signed head; one outcome per fact, in order. */
export function appendFacts(a: Appender, facts: readonly PathFacts[]): { readonly path: StorePath; readonly outcome: Outcome }[] {
  const items = facts.map(itemOf);
  items.forEach((item, i) => checkItem(a.log.db.meta.protocol, item, facts[i]?.path ?? ''));
  const { outcomes } = appendItems(a.log, items, a.secret.sign);
  return outcomes.map((outcome, i) => ({ path: (facts[i] as PathFacts).path, outcome }));
}

/** Why a path was refused: the log holds other facts for it. */
export function conflictText(path: string, o: Extract<Outcome, { kind: 'conflict' }>): string {
  return `refused ${path}: the log holds other facts for it (entry ${o.index}, value sha256 ${toHex(o.digest)}); a log never changes its answer`;
}
