/**
 * The log's SQLite database (one file, WAL): what each table holds.
 *
 *   meta     protocol UUID, public key (base64), log ID, schema version
 *   heads    every signed head; seq = its MHTreeSize (1 = the empty log's first head)
 *   entries  the main log's leaves in order: key, value and its SHA-256, the head seq
 *            (version) that added it, and for the map: SHA-256 of the key (path) and
 *            of the MapEntry JSON (vhash); key is unique, so a key has one answer
 *   tree     both Merkle logs (log 0 = main, 1 = map-head) as complete subtrees
 *            (merkle/stored.ts), leaves at level 0
 *
 * The map itself is not stored: it is a function of the entries (map.ts builds it in
 * memory, with the digest → entry index that NodeAPI.GetValue needs), so it can never
 * disagree with them. Nothing is ever updated or deleted: a
 * batch of entries, its tree rows and the head signed over them go in together in one
 * transaction, or not at all; every table but the key index grows at its end.
 */

export const SCHEMA_VERSION = 1;

export const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE heads (
  seq INTEGER PRIMARY KEY, log_root BLOB NOT NULL, tree_size INTEGER NOT NULL, map_root BLOB NOT NULL,
  mh_root BLOB NOT NULL, mh_tree_size INTEGER NOT NULL, signature BLOB NOT NULL
);
CREATE INDEX heads_by_map_root ON heads (map_root);
CREATE TABLE entries (
  idx INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE, digest BLOB NOT NULL, version INTEGER NOT NULL, path BLOB NOT NULL, vhash BLOB NOT NULL,
  value BLOB NOT NULL
);
CREATE TABLE tree (log INTEGER NOT NULL, level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (log, level, idx)) WITHOUT ROWID;
`;
