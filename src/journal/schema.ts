/**
 * The journal's tables. One SQLite database, `<[state] dir>/journal.sqlite`, in WAL
 * mode; `PRAGMA user_version` is the schema version and each migration moves it one
 * step. Times are milliseconds since the epoch; hashes are `sha256:<nix32>`.
 *
 *   decisions      every decision check, serve and the build queue's drain made
 *   decision_logs  each configured log's part in it: agree | dissent | miss | fault
 *   claims         every verified, signed claim seen from a log: the key that signed
 *                  (base64 of its bytes, and the name it signs under),
 *                  the fingerprint and its signature, when first and last seen
 *   evidence       one key, one path, two fingerprints, both signatures: equivocation,
 *                  proof that stands on its own (never pruned)
 *   builds         this machine's own builds from the post-build hook's queue, with
 *                  what the logs said and how the build compared
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    source TEXT NOT NULL,
    policy TEXT NOT NULL,
    path TEXT NOT NULL,
    verdict TEXT NOT NULL,
    nar_hash TEXT,
    reason TEXT NOT NULL,
    served INTEGER
  );
  CREATE INDEX decisions_path ON decisions(path, at);
  CREATE INDEX decisions_at ON decisions(at);
  CREATE TABLE decision_logs (
    decision INTEGER NOT NULL REFERENCES decisions(id) ON DELETE CASCADE,
    log TEXT NOT NULL,
    role TEXT NOT NULL,
    kind TEXT,
    nar_hash TEXT,
    reason TEXT
  );
  CREATE INDEX decision_logs_decision ON decision_logs(decision);
  CREATE TABLE claims (
    key TEXT NOT NULL,
    key_name TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    nar_hash TEXT NOT NULL,
    sig TEXT NOT NULL,
    log TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (key, path, fingerprint)
  ) WITHOUT ROWID;
  CREATE INDEX claims_path ON claims(path);
  CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    key_name TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint_a TEXT NOT NULL,
    sig_a TEXT NOT NULL,
    log_a TEXT NOT NULL,
    seen_a INTEGER NOT NULL,
    fingerprint_b TEXT NOT NULL,
    sig_b TEXT NOT NULL,
    log_b TEXT NOT NULL,
    seen_b INTEGER NOT NULL,
    found INTEGER NOT NULL,
    UNIQUE (key, path, fingerprint_a, fingerprint_b)
  );
  CREATE TABLE builds (
    id INTEGER PRIMARY KEY,
    spool TEXT NOT NULL,
    path TEXT NOT NULL,
    hash_part TEXT NOT NULL,
    drv TEXT,
    queued INTEGER NOT NULL,
    checked INTEGER NOT NULL,
    nar_hash TEXT NOT NULL,
    nar_size INTEGER NOT NULL,
    refs TEXT NOT NULL,
    verdict TEXT NOT NULL,
    compared TEXT,
    decision_verdict TEXT NOT NULL,
    decision_reason TEXT NOT NULL,
    policy TEXT NOT NULL,
    matching TEXT NOT NULL,
    differing TEXT NOT NULL,
    missing TEXT NOT NULL,
    faults TEXT NOT NULL,
    reason TEXT NOT NULL,
    UNIQUE (spool, path)
  );
  CREATE INDEX builds_hash_part ON builds(hash_part, checked);
  CREATE INDEX builds_checked ON builds(checked);
  `,
  // 2: claims keyed by path first. Every lookup names the path, so the primary key serves
  // them all and the separate path index, which repeated each long fingerprint, goes:
  // half the cost of writing a claim (serve writes four a path).
  `
  CREATE TABLE claims_by_path (
    key TEXT NOT NULL,
    key_name TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    nar_hash TEXT NOT NULL,
    sig TEXT NOT NULL,
    log TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (path, key, fingerprint)
  ) WITHOUT ROWID;
  INSERT INTO claims_by_path SELECT key, key_name, path, fingerprint, nar_hash, sig, log, first_seen, last_seen FROM claims;
  DROP TABLE claims;
  ALTER TABLE claims_by_path RENAME TO claims;
  `,
];
