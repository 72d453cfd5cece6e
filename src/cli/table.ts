/** How decisions are shown: a table for people, JSON for machines. */
import { baseNameOf, nameOf } from '../nixfmt/index.ts';
import type { Decision } from '../vote/types.ts';

export function toJson(decisions: readonly Decision[]): string {
  return [...jsonChunks(decisions)].join('');
}

/**
 * toJson's text in pieces of about `per` paths: a closure of 200,000 paths is written
 * as it is made, never held as one string (JSON.stringify of it all took 300 MB).
 */
export function* jsonChunks(decisions: readonly Decision[], per = 1000): Generator<string> {
  if (decisions.length === 0) return yield '[]';
  for (let i = 0; i < decisions.length; i += per) {
    const part = decisions.slice(i, i + per).map((d) => `  ${JSON.stringify(jsonOf(d), null, 2).replace(/\n/g, '\n  ')}`);
    yield `${i === 0 ? '[\n' : ',\n'}${part.join(',\n')}`;
  }
  yield '\n]';
}

function jsonOf(d: Decision) {
  return {
    path: d.path,
    verdict: d.verdict,
    narHash: d.narHash ?? null,
    agree: d.agree,
    disagree: d.disagree,
    missing: d.missing,
    faults: d.faults,
    reason: d.reason,
  };
}

const byName = new Intl.Collator('en');

/** By package name, then by path; the keys made once (a collator per comparison cost 7 s at 200,000 paths). */
export function sortDecisions(decisions: readonly Decision[]): Decision[] {
  const keyed = decisions.map((d) => ({ d, name: nameOf(d.path) }));
  keyed.sort((a, b) => byName.compare(a.name, b.name) || (a.d.path < b.d.path ? -1 : a.d.path > b.d.path ? 1 : 0));
  return keyed.map((k) => k.d);
}

/**
 * The table's vote columns: AGREE is the votes for the trusted hash or, on an untrusted
 * path, for the hash most logs vote (all three when three logs agree and the policy
 * still says no); OTHER is the votes for any other hash. (--json keeps `agree` and
 * `disagree` relative to the trusted hash: on an untrusted path every vote is under
 * `disagree`, with its narHash.)
 */
export function voteColumns(d: Decision): { agree: number; other: number } {
  const votes = d.agree.length + d.disagree.length;
  if (d.verdict === 'trusted') return { agree: d.agree.length, other: d.disagree.length };
  const per = new Map<string, number>();
  let top = 0;
  for (const v of d.disagree) {
    const n = (per.get(v.narHash) ?? 0) + 1;
    per.set(v.narHash, n);
    top = Math.max(top, n);
  }
  return { agree: top, other: votes - top };
}

export function toTable(decisions: readonly Decision[]): string {
  return [...tableChunks(decisions)].join('\n');
}

/** toTable's lines in pieces of about `per` rows (see jsonChunks). */
export function* tableChunks(decisions: readonly Decision[], per = 1000): Generator<string> {
  const head = ['PATH', 'VERDICT', 'AGREE', 'OTHER', 'MISSING', 'FAULT', 'REASON'];
  const widths = head.map((h) => h.length);
  const cells = (d: Decision): string[] => {
    const { agree, other } = voteColumns(d);
    return [shortName(d), d.verdict, String(agree), String(other), String(d.missing.length), String(d.faults.length), d.reason];
  };
  // Widths in a loop: Math.max(...rows) throws past ~120,000 rows.
  for (const d of decisions) cells(d).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  yield fmt(head);
  for (let i = 0; i < decisions.length; i += per) yield decisions.slice(i, i + per).map((d) => fmt(cells(d))).join('\n');
}

export function summary(decisions: readonly Decision[]): string {
  const bad = decisions.filter((d) => d.verdict !== 'trusted').length;
  return `${decisions.length - bad} trusted, ${bad} would be rebuilt locally`;
}

function shortName(d: Decision): string {
  const base = baseNameOf(d.path);
  return `${base.slice(0, 8)}…${base.slice(32)}`;
}
