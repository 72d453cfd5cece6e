/** How decisions are shown: a table for people, JSON for machines. */
import { baseNameOf, nameOf } from '../nixfmt/index.ts';
import type { Decision } from '../vote/types.ts';

export function toJson(decisions: readonly Decision[]): string {
  return JSON.stringify(
    decisions.map((d) => ({
      path: d.path,
      verdict: d.verdict,
      narHash: d.narHash ?? null,
      agree: d.agree,
      disagree: d.disagree,
      missing: d.missing,
      faults: d.faults,
      reason: d.reason,
    })),
    null,
    2,
  );
}

export function sortDecisions(decisions: readonly Decision[]): Decision[] {
  return [...decisions].sort((a, b) => nameOf(a.path).localeCompare(nameOf(b.path)) || a.path.localeCompare(b.path));
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
  const rows = decisions.map((d) => {
    const { agree, other } = voteColumns(d);
    return [shortName(d), d.verdict, String(agree), String(other), String(d.missing.length), String(d.faults.length), d.reason];
  });
  const head = ['PATH', 'VERDICT', 'AGREE', 'OTHER', 'MISSING', 'FAULT', 'REASON'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [fmt(head), ...rows.map(fmt)].join('\n');
}

export function summary(decisions: readonly Decision[]): string {
  const bad = decisions.filter((d) => d.verdict !== 'trusted').length;
  return `${decisions.length - bad} trusted, ${bad} would be rebuilt locally`;
}

function shortName(d: Decision): string {
  const base = baseNameOf(d.path);
  return `${base.slice(0, 8)}…${base.slice(32)}`;
}
