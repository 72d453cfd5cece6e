/**
 * The log's database (schema.ts) behind typed reads and writes; the only module
 * that speaks to SQLite (better-sqlite3, synchronous). WAL, so `log serve` reads
 * while `log submit` writes; synchronous=FULL, so a commit is on disk when it
 * returns; writes happen only inside `write`, an IMMEDIATE transaction, so two
 * writers queue (busy timeout) instead of interleaving.
 *
 *   const db = openLogDb('/var/lib/log/log.db');
 *   db.latestHead()          // { seq: 3, treeSize: 12n, … }
 *   db.write(() => { db.putEntry(…); db.putHead(…); })
 *
 * A new database is built under a temporary name and renamed into place once its
 * first head is committed, so a log file always has a head.
 */

import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { asHash, toHex } from '../merkle/index.ts';
import type { Hash, StoredNode, SubtreeReader } from '../merkle/index.ts';
import { deriveLogId, parseLogKey, resolveProtocol } from '../trustix/index.ts';
import type { LogId, LogKey, Protocol, SignedHead } from '../trustix/index.ts';
import { TreeCache } from './cache.ts';
import { LogStateError } from './errors.ts';
import { SCHEMA, SCHEMA_VERSION } from './schema.ts';

export interface LogMeta {
  readonly protocol: Protocol;
  readonly key: LogKey;
  readonly logId: LogId;
}

/** A signed head and its place in the head sequence (seq = MHTreeSize). */
export interface StoredHead extends SignedHead {
  readonly seq: number;
}

export interface StoredEntry {
  readonly index: number;
  readonly digest: Hash;
  /** The head seq that added it. */
  readonly version: number;
}

/** What the map needs of an entry. */
export interface MapRow extends StoredEntry {
  /** SHA-256 of the key. */
  readonly path: Hash;
  /** SHA-256 of the entry's MapEntry JSON. */
  readonly vhash: Hash;
}

export interface StoredLeaf {
  readonly key: Uint8Array;
  readonly digest: Hash;
  readonly leaf: Hash;
}

export type TreeId = 0 | 1;
export const MAIN_LOG: TreeId = 0;
export const MAP_HEAD_LOG: TreeId = 1;

type Row = unknown[];
/** A blob the driver returned (a Buffer), as a plain Uint8Array over the same memory. */
const bytes = (b: unknown): Uint8Array => {
  const u = b as Uint8Array;
  return new Uint8Array(u.buffer, u.byteOffset, u.byteLength);
};
const hash = (b: unknown): Hash => asHash(bytes(b));

function headOf(r: Row): StoredHead {
  return {
    seq: r[0] as number, logRoot: hash(r[1]), treeSize: BigInt(r[2] as number), mapRoot: hash(r[3]),
    mhRoot: hash(r[4]), mhTreeSize: BigInt(r[5] as number), signature: bytes(r[6]),
  };
}

const HEAD = 'SELECT seq, log_root, tree_size, map_root, mh_root, mh_tree_size, signature FROM heads';

export type LogDb = ReturnType<typeof wrap>;

function wrap(db: Database.Database, meta: LogMeta) {
  const q = (sql: string) => db.prepare(sql).raw(true);
  const s = {
    dataVersion: db.prepare('PRAGMA data_version').pluck(true),
    latest: q(`${HEAD} ORDER BY seq DESC LIMIT 1`),
    heads: q(`${HEAD} ORDER BY seq`),
    entries: q('SELECT idx, key, digest, version, value FROM entries ORDER BY idx'),
    bySeq: q(`${HEAD} WHERE seq = ?`),
    byMapRoot: q(`${HEAD} WHERE map_root = ? ORDER BY seq DESC LIMIT 1`),
    putHead: db.prepare('INSERT INTO heads VALUES (?, ?, ?, ?, ?, ?, ?)'),
    node: db.prepare('SELECT hash FROM tree WHERE log = ? AND level = ? AND idx = ?').pluck(true),
    putNode: db.prepare('INSERT INTO tree VALUES (?, ?, ?, ?)'),
    mapRows: q('SELECT idx, digest, version, path, vhash FROM entries WHERE idx >= ? ORDER BY idx'),
    putEntry: db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)'),
    leaves: q('SELECT e.key, e.digest, t.hash FROM entries e JOIN tree t ON t.log = 0 AND t.level = 0 AND t.idx = e.idx WHERE e.idx BETWEEN ? AND ? ORDER BY e.idx'),
    mhLeaves: db.prepare('SELECT hash FROM tree WHERE log = 1 AND level = 0 AND idx BETWEEN ? AND ? ORDER BY idx').pluck(true),
    value: db.prepare('SELECT value FROM entries WHERE idx = ?').pluck(true),
  };
  const treeCache = new TreeCache();
  const ranges: Record<TreeId, Map<string, Hash>> = { 0: new Map(), 1: new Map() };
  const headsByMapRoot = new Map<string, StoredHead>();
  /** Inside `write`, reads may see this transaction's own rows, which a rollback would take back: no caching. */
  let writing = false;
  const treeDirect = (log: TreeId, level: number, index: number): Hash => {
    const h = s.node.get(log, level, index) as Uint8Array | undefined;
    if (h === undefined) throw new LogStateError(`the log database lacks tree node ${log}/${level}/${index}`);
    return hash(h);
  };
  return {
    meta,
    /** Changes when another connection commits (never for this one's own commits). */
    dataVersion: (): number => s.dataVersion.get() as number,
    latestHead: (): StoredHead => {
      const r = s.latest.get() as Row | undefined;
      if (r === undefined) throw new LogStateError('the log database has no signed head');
      return headOf(r);
    },
    /** Every head, oldest first. */
    heads: (): StoredHead[] => (s.heads.all() as Row[]).map(headOf),
    /** Every entry in log order, with its key and value. */
    entries: (): Array<StoredEntry & { readonly key: Uint8Array; readonly value: Uint8Array }> =>
      (s.entries.all() as Row[]).map((r) => ({ index: r[0] as number, key: bytes(r[1]), digest: hash(r[2]), version: r[3] as number, value: bytes(r[4]) })),
    head: (seq: number): StoredHead | undefined => {
      const r = s.bySeq.get(seq) as Row | undefined;
      return r === undefined ? undefined : headOf(r);
    },
    headWithMapRoot: (root: Uint8Array): StoredHead | undefined => {
      const k = toHex(root);
      const known = headsByMapRoot.get(k);
      if (known !== undefined) return known;
      const r = s.byMapRoot.get(root) as Row | undefined;
      if (r === undefined) return undefined;
      const h = headOf(r);
      if (!writing) headsByMapRoot.set(k, h);
      return h;
    },
    putHead: (h: StoredHead): void => {
      s.putHead.run(h.seq, h.logRoot, Number(h.treeSize), h.mapRoot, h.mhRoot, Number(h.mhTreeSize), h.signature);
    },
    tree: (log: TreeId): SubtreeReader => (writing
      ? (level, index) => treeDirect(log, level, index)
      : Object.assign((level: number, index: number) => treeCache.get(log, level, index, () => treeDirect(log, level, index)), { ranges: ranges[log] })),
    putTree: (log: TreeId, nodes: readonly StoredNode[]): void => {
      for (const n of nodes) s.putNode.run(log, n.level, n.index, n.hash);
    },
    /** The map's view of entries from `start` on, in log order. */
    mapRows: (start: number): MapRow[] => {
      // Copied out of the driver's buffers (one allocation per row, not three), to keep for long.
      const out: MapRow[] = [];
      for (const r of s.mapRows.iterate(start) as Iterable<Row>) {
        const b = new Uint8Array(96);
        b.set(r[3] as Uint8Array, 0);
        b.set(r[4] as Uint8Array, 32);
        b.set(r[1] as Uint8Array, 64);
        out.push({ index: r[0] as number, version: r[2] as number, path: hash(b.subarray(0, 32)), vhash: hash(b.subarray(32, 64)), digest: hash(b.subarray(64)) });
      }
      return out;
    },
    putEntry: (e: MapRow & { readonly key: Uint8Array; readonly value: Uint8Array }): void =>
      void s.putEntry.run(e.index, e.key, e.digest, e.version, e.path, e.vhash, e.value),
    leaves: (start: number, finish: number): StoredLeaf[] =>
      (s.leaves.all(start, finish) as Row[]).map((r) => ({ key: bytes(r[0]), digest: hash(r[1]), leaf: hash(r[2]) })),
    mhLeaves: (start: number, finish: number): Hash[] => (s.mhLeaves.all(start, finish) as Uint8Array[]).map(hash),
    /** The value of entry `index`. */
    value: (index: number): Uint8Array | undefined => {
      const v = s.value.get(index);
      return v === undefined ? undefined : bytes(v);
    },
    /** Runs `fn` in a read transaction: one snapshot of the database, whatever writers commit meanwhile. */
    read: <T>(fn: () => T): T => db.transaction(fn).deferred(),
    /** Runs `fn` in an IMMEDIATE transaction: all of its writes commit (fsync'd) or none. */
    write: <T>(fn: () => T): T => {
      writing = true;
      try {
        return db.transaction(fn).immediate();
      } finally {
        writing = false;
      }
    },
    close: (): void => void db.close(),
  };
}

export interface OpenOptions {
  /** Milliseconds to wait for another writer (default 10 s). */
  readonly busyTimeoutMs?: number;
}

function connect(file: string, mustExist: boolean, opts: OpenOptions): Database.Database {
  const db = new Database(file, { fileMustExist: mustExist, timeout: opts.busyTimeoutMs ?? 10_000 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 268435456');
  return db;
}

/** Opens an existing log database. */
export function openLogDb(file: string, opts: OpenOptions = {}): LogDb {
  let db: Database.Database;
  try {
    db = connect(file, true, opts);
  } catch (e) {
    throw new LogStateError(`cannot open the log database ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  try {
    const get = (name: string): string | undefined => (db.prepare('SELECT value FROM meta WHERE name = ?').pluck(true).get(name) as string | undefined);
    const version = get('schema_version');
    if (version !== String(SCHEMA_VERSION)) throw new LogStateError(`${file} has log schema version ${version ?? 'none'}, this program reads version ${SCHEMA_VERSION}`);
    const protocol = resolveProtocol(get('protocol') ?? '');
    const key = parseLogKey(get('public_key') ?? '');
    const logId = deriveLogId(protocol, key);
    if (get('log_id') !== logId) throw new LogStateError(`${file}: the stored log ID does not match its protocol and key`);
    const out = wrap(db, { protocol, key, logId });
    out.latestHead();
    return out;
  } catch (e) {
    db.close();
    if (e instanceof LogStateError) throw e;
    throw new LogStateError(`${file} is not a trustix-vote log database: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/**
 * Creates the database at `file` (which must not exist) with its first head,
 * signed by `firstHead` once the tables are there.
 */
export function createLogDb(file: string, protocol: Protocol, key: LogKey, firstHead: (db: LogDb) => void): void {
  const tmp = `${file}.${randomBytes(6).toString('hex')}.new`;
  const db = connect(tmp, false, {});
  try {
    const logId = deriveLogId(protocol, key);
    db.exec(SCHEMA);
    const log = wrap(db, { protocol, key, logId });
    log.write(() => {
      const put = db.prepare('INSERT INTO meta VALUES (?, ?)');
      for (const [k, v] of [['schema_version', String(SCHEMA_VERSION)], ['protocol', protocol.id], ['public_key', key.base64], ['log_id', logId]]) put.run(k, v);
      firstHead(log);
    });
    db.pragma('journal_mode = DELETE');
    db.close();
    placeNew(tmp, file);
  } catch (e) {
    if (db.open) db.close();
    rmSync(tmp, { force: true });
    for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${tmp}${suffix}`, { force: true });
    throw e;
  }
}

/** Links the finished file into place (never over an existing one), then drops the temporary name. */
function placeNew(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch (e) {
    throw new LogStateError((e as { code?: unknown }).code === 'EEXIST' ? `${to} already exists` : `cannot create ${to}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  rmSync(from, { force: true });
  const dir = openSync(dirname(to), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
