/**
 * The log's SQLite database (one file, WAL): what each table holds.
 *
 *   meta     protocol UUID, public key (base64), log ID, schema version
 *   heads    every signed head; seq = its MHTreeSize (1 = the empty log's first head)
 *   entries  the main log's leaves in order: key, SHA-256 of the value, and the head
 *            seq (version) that added it; key is unique, so a key has one answer
 *   tree     both Merkle logs (log 0 = main, 1 = map-head) as complete subtrees
 *            (merkle/stored.ts), leaves at level 0
 *   smt      the map (trustix/smt-store.ts): a position's node under every version
 *            that wrote it, so each head's map can be read and proven as it was
 *   blobs    values by SHA-256 (NodeAPI.GetValue)
 *
 * Nothing is ever updated or deleted: a batch of entries, its tree and map rows and
 * the head signed over them go in together in one transaction, or not at all.
 */

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE heads (
  seq INTEGER PRIMARY KEY, log_root BLOB NOT NULL, tree_size INTEGER NOT NULL, map_root BLOB NOT NULL,
  mh_root BLOB NOT NULL, mh_tree_size INTEGER NOT NULL, signature BLOB NOT NULL
);
CREATE INDEX heads_by_map_root ON heads (map_root);
CREATE TABLE entries (idx INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, digest BLOB NOT NULL, version INTEGER NOT NULL);
CREATE TABLE tree (log INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (log, level, idx)) WITHOUT ROWID;
CREATE TABLE smt (
  depth INTEGER NOT NULL, prefix BLOB NOT NULL, version INTEGER NOT NULL, hash BLOB NOT NULL, leaf BLOB,
  PRIMARY KEY (depth, prefix, version)
) WITHOUT ROWID;
CREATE TABLE blobs (digest BLOB PRIMARY KEY, value BLOB NOT NULL);
`;
