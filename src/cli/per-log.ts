/**
 * What each log did over a whole run, for the logs a person must look at: one that
 * faulted (a dead cache otherwise shows only as `FAULT 1` on every row of a table whose
 * summary says "all trusted"), one whose answers are signed by other keys (almost always
 * its key configured wrong), and one that found none of the paths the others voted on
 * (its URL). Computed from the decisions; printed after `check`'s table.
 *
 *   cache-c: 204 faults: 3 connection refused, 201 log is down (connection refused)
 *   cache-a: 204 answers signed by cache-b-1, not by this log's key cache-a-1 — is its key right?
 *   cache-d: none of 204 paths found (no narinfo (HTTP 404)) — is its URL right?
 */
import type { LogName } from '../claims.ts';
import type { Decision } from '../vote/types.ts';

interface Tally {
  votes: number;
  notFound: Map<string, number>;
  otherKey: Map<string, number>;
  faults: Map<string, number>;
}

const MAX_GROUPS = 4;

export function perLogLines(decisions: readonly Decision[], logs: readonly LogName[]): string[] {
  const tallies = new Map<LogName, Tally>(logs.map((l) => [l, { votes: 0, notFound: new Map(), otherKey: new Map(), faults: new Map() }]));
  const of = (log: LogName): Tally => {
    let t = tallies.get(log);
    if (t === undefined) tallies.set(log, (t = { votes: 0, notFound: new Map(), otherKey: new Map(), faults: new Map() }));
    return t;
  };
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  /** Paths some log voted on. */
  let voted = 0;
  for (const d of decisions) {
    for (const log of d.agree) of(log).votes++;
    for (const v of d.disagree) of(v.log).votes++;
    if (d.agree.length + d.disagree.length > 0) voted++;
    for (const m of d.missing) {
      if (m.kind === 'other-key') add(of(m.log).otherKey, m.reason);
      else if (m.kind === 'not-found') add(of(m.log).notFound, m.reason);
    }
    for (const f of d.faults) add(of(f.log).faults, f.reason);
  }
  const lines: string[] = [];
  for (const [log, t] of tallies) {
    const faults = sum(t.faults);
    if (faults > 0) lines.push(`${log}: ${counted(faults, 'fault', 'faults')}${groups(t.faults)}`);
    const otherKey = sum(t.otherKey);
    if (otherKey > 0) {
      const [[first] = ['']] = t.otherKey;
      const what = t.otherKey.size === 1 ? (first.startsWith('signed by') ? ` ${first}` : `: ${first}`) : ` not signed by its key${groups(t.otherKey)}`;
      lines.push(`${log}: ${counted(otherKey, 'answer', 'answers')}${what} — is its key right?`);
    }
    const notFound = sum(t.notFound);
    if (t.votes === 0 && notFound === decisions.length && notFound > 1 && voted > 0) {
      lines.push(`${log}: none of ${decisions.length} paths found${groups(t.notFound)} — is its URL right?`);
    }
  }
  return lines;
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

function counted(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** " (why)" for one reason; ": 3 why, 201 other why" for several, most frequent first. */
function groups(m: ReadonlyMap<string, number>): string {
  if (m.size === 1) return ` (${[...m.keys()][0]})`;
  const ranked = [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const shown = ranked.slice(0, MAX_GROUPS).map(([why, n]) => `${n} ${why}`);
  const rest = ranked.slice(MAX_GROUPS).reduce((n, [, c]) => n + c, 0);
  return `: ${shown.join(', ')}${rest > 0 ? `, ${rest} other` : ''}`;
}
