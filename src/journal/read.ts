/** What `why`, `report` and `evidence` read from the journal; plain objects, ready for --json. */
import { openDb, type Db } from './db.ts';
import type { BuildVerdict, Role } from './rows.ts';

export function openReader(file: string): Db {
  return openDb(file, { readonly: true, busyMs: 5000 });
}

export interface DecisionStory {
  readonly at: string;
  readonly source: string;
  readonly policy: string;
  readonly verdict: string;
  readonly narHash: string | null;
  readonly reason: string;
  readonly served: boolean | null;
  readonly logs: readonly { log: string; role: Role; kind: string | null; narHash: string | null; reason: string | null }[];
}

export interface ClaimStory {
  readonly log: string;
  readonly key: string;
  readonly narHash: string;
  readonly fingerprint: string;
  readonly sig: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface BuildStory {
  readonly queued: string;
  readonly checked: string;
  readonly drv: string | null;
  readonly narHash: string;
  readonly verdict: BuildVerdict;
  readonly compared: string | null;
  readonly decision: { verdict: string; reason: string; policy: string };
  readonly matching: string[];
  readonly differing: { log: string; narHash: string }[];
  readonly missing: { log: string; kind: string; reason: string }[];
  readonly faults: { log: string; kind: string; reason: string }[];
  readonly reason: string;
}

export interface EvidenceItem {
  readonly key: string;
  readonly path: string;
  readonly found: string;
  readonly claims: readonly { log: string; fingerprint: string; sig: string; firstSeen: string }[];
}

export interface Story {
  readonly path: string;
  readonly decisions: readonly DecisionStory[];
  readonly claims: readonly ClaimStory[];
  readonly builds: readonly BuildStory[];
  readonly evidence: readonly EvidenceItem[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const json = <T>(s: string) => JSON.parse(s) as T;

/** Everything the journal knows of one path, newest first; at most `limit` decisions. */
export function storyOf(db: Db, path: string, limit = 20): Story {
  const ds = db.prepare('SELECT * FROM decisions WHERE path = ? ORDER BY at DESC, id DESC LIMIT ?').all(path, limit) as DecisionRow[];
  const parts = db.prepare('SELECT log, role, kind, nar_hash, reason FROM decision_logs WHERE decision = ? ORDER BY rowid');
  const decisions = ds.map((d): DecisionStory => ({
    at: iso(d.at), source: d.source, policy: d.policy, verdict: d.verdict, narHash: d.nar_hash, reason: d.reason,
    served: d.served === null ? null : d.served === 1,
    logs: (parts.all(d.id) as PartRow[]).map((p) => ({ log: p.log, role: p.role, kind: p.kind, narHash: p.nar_hash, reason: p.reason })),
  }));
  const claims = (db.prepare('SELECT * FROM claims WHERE path = ? ORDER BY first_seen, log').all(path) as ClaimRow[]).map((c): ClaimStory => ({
    log: c.log, key: `${c.key_name}:${c.key}`, narHash: c.nar_hash, fingerprint: c.fingerprint, sig: c.sig, firstSeen: iso(c.first_seen), lastSeen: iso(c.last_seen),
  }));
  const builds = (db.prepare('SELECT * FROM builds WHERE path = ? ORDER BY checked DESC, id DESC').all(path) as BuildRow[]).map(buildStory);
  const evidence = (db.prepare('SELECT * FROM evidence WHERE path = ? ORDER BY found').all(path) as EvidenceRow[]).map(evidenceItem);
  return { path, decisions, claims, builds, evidence };
}

export function listEvidence(db: Db): EvidenceItem[] {
  return (db.prepare('SELECT * FROM evidence ORDER BY found').all() as EvidenceRow[]).map(evidenceItem);
}

export interface LogTally {
  readonly log: string;
  readonly agree: number;
  readonly dissent: number;
  /** Voted where no hash won. */
  readonly vote: number;
  readonly miss: number;
  readonly fault: number;
}

export interface Summary {
  readonly since: string | null;
  readonly decisions: { readonly total: number; readonly trusted: number; readonly untrusted: number };
  readonly logs: readonly LogTally[];
  readonly builds: {
    readonly total: number;
    readonly reproduced: number;
    readonly diverged: number;
    readonly firstBuild: number;
    /** Builds of paths the vote had not trusted. */
    readonly rejected: { readonly total: number; readonly reproduced: number; readonly diverged: number; readonly firstBuild: number };
    readonly divergedPaths: readonly { path: string; ours: string; compared: string | null; reason: string; checked: string }[];
  };
  readonly evidence: number;
}

export function summarize(db: Db, since: number | undefined): Summary {
  const from = since ?? 0;
  const dc = db.prepare(`SELECT count(*) AS total, sum(verdict = 'trusted') AS trusted FROM decisions WHERE at >= ?`).get(from) as { total: number; trusted: number | null };
  const logs = db.prepare(`SELECT log, sum(role = 'agree') AS agree, sum(role = 'dissent') AS dissent, sum(role = 'vote') AS vote,
      sum(role = 'miss') AS miss, sum(role = 'fault') AS fault
    FROM decision_logs JOIN decisions ON decisions.id = decision_logs.decision WHERE decisions.at >= ? GROUP BY log ORDER BY log`).all(from) as LogTally[];
  const bs = db.prepare(`SELECT verdict, decision_verdict = 'trusted' AS trusted, count(*) AS n FROM builds WHERE checked >= ? GROUP BY 1, 2`).all(from) as { verdict: BuildVerdict; trusted: number; n: number }[];
  const count = (v: BuildVerdict, rejectedOnly: boolean) => bs.filter((b) => b.verdict === v && (!rejectedOnly || b.trusted === 0)).reduce((n, b) => n + b.n, 0);
  const diverged = db.prepare(`SELECT path, nar_hash, compared, reason, checked FROM builds WHERE checked >= ? AND verdict = 'diverged' ORDER BY checked DESC LIMIT 1000`).all(from) as
    { path: string; nar_hash: string; compared: string | null; reason: string; checked: number }[];
  const evidence = db.prepare('SELECT count(*) FROM evidence WHERE found >= ?').pluck().get(from) as number;
  return {
    since: since === undefined ? null : iso(since),
    decisions: { total: dc.total, trusted: dc.trusted ?? 0, untrusted: dc.total - (dc.trusted ?? 0) },
    logs: logs.map((l) => ({ log: l.log, agree: l.agree ?? 0, dissent: l.dissent ?? 0, vote: l.vote ?? 0, miss: l.miss ?? 0, fault: l.fault ?? 0 })),
    builds: {
      total: bs.reduce((n, b) => n + b.n, 0),
      reproduced: count('reproduced', false), diverged: count('diverged', false), firstBuild: count('first-build', false),
      rejected: {
        total: bs.filter((b) => b.trusted === 0).reduce((n, b) => n + b.n, 0),
        reproduced: count('reproduced', true), diverged: count('diverged', true), firstBuild: count('first-build', true),
      },
      divergedPaths: diverged.map((d) => ({ path: d.path, ours: d.nar_hash, compared: d.compared, reason: d.reason, checked: iso(d.checked) })),
    },
    evidence,
  };
}

/** Distinct keys that signed `narHash` for `path`, and whether a local build reproduced it. */
export function confirmationsOf(db: Db): (path: string, narHash: string) => { keys: string[]; local: boolean } {
  const keys = db.prepare('SELECT DISTINCT key_name || \':\' || key FROM claims WHERE path = ? AND nar_hash = ?').pluck();
  const local = db.prepare('SELECT 1 FROM builds WHERE path = ? AND nar_hash = ? LIMIT 1').pluck();
  return (path, narHash) => ({ keys: keys.all(path, narHash) as string[], local: local.get(path, narHash) !== undefined });
}

interface DecisionRow { id: number; at: number; source: string; policy: string; verdict: string; nar_hash: string | null; reason: string; served: number | null }
interface PartRow { log: string; role: Role; kind: string | null; nar_hash: string | null; reason: string | null }
interface ClaimRow { key: string; key_name: string; log: string; nar_hash: string; fingerprint: string; sig: string; first_seen: number; last_seen: number }
interface BuildRow {
  queued: number; checked: number; drv: string | null; nar_hash: string; verdict: BuildVerdict; compared: string | null; decision_verdict: string;
  decision_reason: string; policy: string; matching: string; differing: string; missing: string; faults: string; reason: string;
}
interface EvidenceRow {
  key: string; key_name: string; path: string; found: number;
  fingerprint_a: string; sig_a: string; log_a: string; seen_a: number; fingerprint_b: string; sig_b: string; log_b: string; seen_b: number;
}

function buildStory(b: BuildRow): BuildStory {
  return {
    queued: iso(b.queued), checked: iso(b.checked), drv: b.drv, narHash: b.nar_hash, verdict: b.verdict, compared: b.compared,
    decision: { verdict: b.decision_verdict, reason: b.decision_reason, policy: b.policy },
    matching: json(b.matching), differing: json(b.differing), missing: json(b.missing), faults: json(b.faults), reason: b.reason,
  };
}

function evidenceItem(e: EvidenceRow): EvidenceItem {
  const claims = [
    { log: e.log_a, fingerprint: e.fingerprint_a, sig: e.sig_a, firstSeen: iso(e.seen_a), seen: e.seen_a },
    { log: e.log_b, fingerprint: e.fingerprint_b, sig: e.sig_b, firstSeen: iso(e.seen_b), seen: e.seen_b },
  ].sort((x, y) => x.seen - y.seen).map(({ seen: _, ...c }) => c);
  return { key: `${e.key_name}:${e.key}`, path: e.path, found: iso(e.found), claims };
}
