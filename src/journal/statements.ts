/** The journal's SQL, prepared once per connection. */
import type { LocalBuild } from '../logs/index.ts';
import type { NarHash, StorePath } from '../nixfmt/index.ts';
import type { Db } from './db.ts';
import { partsOf, type BuildRow, type ClaimRow, type DecisionRow, type Evidence } from './rows.ts';

export interface Statements {
  insertDecision(d: DecisionRow): void;
  /** Stores a claim (or notes it was seen again); returns another claim by the same key for the path, if any. */
  upsertClaim(c: ClaimRow, refreshMs: number): ClaimRow | undefined;
  /** Another claim by this key for this path than `fingerprint`, if the journal has one. */
  otherClaim(key: string, path: string, fingerprint: string): ClaimRow | undefined;
  /** False when this evidence was already kept. */
  insertEvidence(e: Evidence): boolean;
  evidenceKeys(): string[];
  insertBuild(b: BuildRow): void;
  firstSeen(key: string, path: string, fingerprint: string): number | undefined;
  latestBuild(hashPart: string): LocalBuild | undefined;
  /** Deletes rows older than `cutoff`; evidence is kept. */
  prune(cutoff: number): number;
}

interface ClaimDbRow { key: string; key_name: string; path: string; fingerprint: string; nar_hash: string; sig: string; log: string; first_seen: number }
interface BuildDbRow { path: string; nar_hash: string; nar_size: number; refs: string; drv: string | null; checked: number }

export function createStatements(db: Db): Statements {
  const decision = db.prepare('INSERT INTO decisions (at, source, policy, path, verdict, nar_hash, reason, served) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const part = db.prepare('INSERT INTO decision_logs (decision, log, role, kind, nar_hash, reason) VALUES (?, ?, ?, ?, ?, ?)');
  const claim = db.prepare('INSERT OR IGNORE INTO claims (key, key_name, path, fingerprint, nar_hash, sig, log, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const touch = db.prepare('UPDATE claims SET last_seen = ? WHERE key = ? AND path = ? AND fingerprint = ? AND last_seen < ?');
  const other = db.prepare('SELECT * FROM claims WHERE key = ? AND path = ? AND fingerprint <> ? ORDER BY first_seen LIMIT 1');
  const first = db.prepare('SELECT first_seen FROM claims WHERE key = ? AND path = ? AND fingerprint = ?').pluck();
  const evidence = db.prepare(`INSERT OR IGNORE INTO evidence (key, key_name, path, fingerprint_a, sig_a, log_a, seen_a, fingerprint_b, sig_b, log_b, seen_b, found)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const evidenceKeys = db.prepare('SELECT DISTINCT key FROM evidence').pluck();
  const build = db.prepare(`INSERT OR IGNORE INTO builds (spool, path, hash_part, drv, queued, checked, nar_hash, nar_size, refs, verdict, compared,
    decision_verdict, decision_reason, policy, matching, differing, missing, faults, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const latest = db.prepare('SELECT path, nar_hash, nar_size, refs, drv, checked FROM builds WHERE hash_part = ? ORDER BY checked DESC, id DESC LIMIT 1');
  const pruneDecisions = db.prepare('DELETE FROM decisions WHERE at < ?');
  const pruneBuilds = db.prepare('DELETE FROM builds WHERE checked < ?');
  const pruneClaims = db.prepare('DELETE FROM claims WHERE last_seen < ?');

  return {
    insertDecision(row) {
      const d = row.decision;
      const id = decision.run(row.at, row.source, row.policy, d.path, d.verdict, d.narHash ?? null, d.reason, row.served === undefined ? null : row.served ? 1 : 0).lastInsertRowid;
      for (const p of partsOf(d)) part.run(id, p.log, p.role, p.kind ?? null, p.narHash ?? null, p.reason ?? null);
    },
    upsertClaim(c, refreshMs) {
      const added = claim.run(c.key, c.keyName, c.path, c.fingerprint, c.narHash, c.sig, c.log, c.seen, c.seen).changes === 1;
      if (!added) {
        touch.run(c.seen, c.key, c.path, c.fingerprint, c.seen - refreshMs);
        return undefined;
      }
      return this.otherClaim(c.key, c.path, c.fingerprint);
    },
    otherClaim(key, path, fingerprint) {
      const o = other.get(key, path, fingerprint) as ClaimDbRow | undefined;
      return o && { key: o.key, keyName: o.key_name, path: o.path, fingerprint: o.fingerprint, narHash: o.nar_hash, sig: o.sig, log: o.log, seen: o.first_seen };
    },
    insertEvidence(e) {
      return evidence.run(e.key, e.keyName, e.path, e.a.fingerprint, e.a.sig, e.a.log, e.a.seen, e.b.fingerprint, e.b.sig, e.b.log, e.b.seen, e.found).changes === 1;
    },
    evidenceKeys: () => evidenceKeys.all() as string[],
    insertBuild(b) {
      build.run(b.spool, b.path, hashPartOfText(b.path), b.drv ?? null, b.queued, b.checked, b.narHash, b.narSize, JSON.stringify(b.references),
        b.verdict, b.compared ?? null, b.decisionVerdict, b.decisionReason, b.policy, JSON.stringify(b.matching), JSON.stringify(b.differing),
        JSON.stringify(b.missing), JSON.stringify(b.faults), b.reason);
    },
    firstSeen: (key, path, fingerprint) => first.get(key, path, fingerprint) as number | undefined,
    latestBuild(hashPart) {
      const r = latest.get(hashPart) as BuildDbRow | undefined;
      if (r === undefined) return undefined;
      return {
        path: r.path as StorePath, narHash: r.nar_hash as NarHash, narSize: r.nar_size,
        references: JSON.parse(r.refs) as StorePath[], ...(r.drv !== null && { deriver: r.drv as StorePath }), builtAt: r.checked,
      };
    },
    prune(cutoff) {
      return db.transaction(() => pruneDecisions.run(cutoff).changes + pruneBuilds.run(cutoff).changes + pruneClaims.run(cutoff).changes).immediate();
    },
  };
}

export function hashPartOfText(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.slice(0, 32);
}
