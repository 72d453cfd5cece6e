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

export function toTable(decisions: readonly Decision[]): string {
  const rows = decisions.map((d) => [
    shortName(d),
    d.verdict,
    String(d.agree.length),
    String(d.disagree.length),
    String(d.missing.length),
    String(d.faults.length),
    d.reason,
  ]);
  const head = ['PATH', 'VERDICT', 'AGREE', 'DISAGREE', 'MISSING', 'FAULT', 'REASON'];
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
