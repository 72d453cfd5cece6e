/**
 * What our log does with its database: append a batch and sign the head over it,
 * all in one transaction, and answer for any head it has signed.
 *
 * An append follows a Trustix publisher's flush (SPEC §5.5) byte for byte: each new
 * key becomes the next main-log leaf (key || ":" || SHA-256(value)), the map gets
 * key → {"Digest":…,"Index":…}, the new map root goes onto the map-head log, and
 * one head is signed over the three roots. It differs where Trustix is silent:
 *
 *   a key already there with the same value   → `present`, nothing written
 *   a key already there with another value    → `conflict`, refused (a log never changes its answer)
 *   nothing new in the batch                  → no new head
 *
 * and the map stays provable for every signed head, so a reader who fetched a head
 * a moment before a submission can still prove against it (Trustix: only the latest).
 */

import { equalBytes, nodesToAppend, sha256, storedConsistencyProof, storedInclusionProof, storedRoot, toHex } from '../merkle/index.ts';
import type { Hash } from '../merkle/index.ts';
import { PLACEHOLDER, encodeMapEntry, findLeaf, headDigest, insertLeaves, kvLeafHash, mapHeadLeafHash, proveTrie, trieRoot } from '../trustix/index.ts';
import type { LogLeaf, MapValueResponse, SignedHead } from '../trustix/index.ts';
import { LogStateError } from './errors.ts';
import { LogMap } from './map.ts';
import type { MapLeaf } from './map.ts';
import { MAIN_LOG, MAP_HEAD_LOG, openLogDb } from './store.ts';
import type { LogDb, OpenOptions, StoredHead, TreeId } from './store.ts';

/** A log's database and its map in memory. */
export interface OpenLog {
  readonly db: LogDb;
  readonly map: LogMap;
}

/**
 * Opens the log database at `file` and loads its map (O(entries)), keeping the maps
 * of the latest `history` heads provable (default 0: only the latest).
 */
export function openLog(file: string, opts: OpenOptions & { readonly history?: number } = {}): OpenLog {
  const db = openLogDb(file, opts);
  try {
    return { db, map: LogMap.load(db, opts.history ?? 0) };
  } catch (e) {
    db.close();
    throw e;
  }
}

export interface Item {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export type Outcome =
  | { readonly kind: 'added'; readonly index: number }
  | { readonly kind: 'present'; readonly index: number }
  /** The log holds another value for this key: `digest` is that value's SHA-256. */
  | { readonly kind: 'conflict'; readonly index: number; readonly digest: Hash };

export interface AppendResult {
  /** The latest head after the append (the one before when nothing was added). */
  readonly head: StoredHead;
  /** One per item, in order. */
  readonly outcomes: readonly Outcome[];
}

/** Signs a head digest with the log's secret key: 64 bytes. */
export type HeadSigner = (digest: Hash) => Uint8Array;

function signed(seq: number, h: Omit<SignedHead, 'signature'>, sign: HeadSigner): StoredHead {
  return { seq, ...h, signature: sign(headDigest(h)) };
}

/** The empty log's head: no entries, the empty map, its root as the map-head log's first leaf. */
export function writeFirstHead(db: LogDb, sign: HeadSigner): StoredHead {
  const mh = db.tree(MAP_HEAD_LOG);
  db.putTree(MAP_HEAD_LOG, nodesToAppend(0, mapHeadLeafHash(PLACEHOLDER), mh));
  const head = signed(1, { logRoot: storedRoot(0, db.tree(MAIN_LOG)), treeSize: 0n, mapRoot: PLACEHOLDER, mhRoot: storedRoot(1, mh), mhTreeSize: 1n }, sign);
  db.putHead(head);
  return head;
}

/** Appends the items whose keys are new and signs one head over them, in one transaction. */
export function appendItems(log: OpenLog, items: readonly Item[], sign: HeadSigner): AppendResult {
  const { db, map } = log;
  const done = db.write(() => {
    const head = db.latestHead();
    map.catchUp();
    if (map.latestVersion !== head.seq) throw new LogStateError(`the map is at head ${map.latestVersion}, the log at head ${head.seq}`);
    const version = head.seq + 1;
    const tree = db.tree(MAIN_LOG);
    const before = map.latest;
    let size = Number(head.treeSize);
    const fresh = new Map<string, MapLeaf>();
    const leaves: MapLeaf[] = [];
    const outcomes = items.map(({ key, value }): Outcome => {
      const digest = sha256(value);
      const path = sha256(key);
      const known = fresh.get(toHex(path)) ?? findLeaf(before, path);
      if (known !== undefined) {
        return equalBytes(known.digest, digest) ? { kind: 'present', index: known.index } : { kind: 'conflict', index: known.index, digest: known.digest };
      }
      const index = size++;
      const leaf: MapLeaf = { path, valueHash: sha256(encodeMapEntry(digest, BigInt(index))), index, digest };
      db.putEntry({ index, key, digest, version, path, vhash: leaf.valueHash, value });
      db.putTree(MAIN_LOG, nodesToAppend(index, kvLeafHash(key, digest), tree));
      leaves.push(leaf);
      fresh.set(toHex(path), leaf);
      return { kind: 'added', index };
    });
    if (leaves.length === 0) return { head, outcomes, trie: undefined, leaves };
    const trie = insertLeaves(before, leaves);
    const mapRoot = trieRoot(trie);
    const mh = db.tree(MAP_HEAD_LOG);
    db.putTree(MAP_HEAD_LOG, nodesToAppend(head.seq, mapHeadLeafHash(mapRoot), mh));
    const next = signed(version, {
      logRoot: storedRoot(size, tree), treeSize: BigInt(size), mapRoot, mhRoot: storedRoot(version, mh), mhTreeSize: BigInt(version),
    }, sign);
    db.putHead(next);
    return { head: next, outcomes, trie, leaves };
  });
  if (done.trie !== undefined) map.committed(done.head.seq, done.trie, done.leaves);
  return { head: done.head, outcomes: done.outcomes };
}

/** Leaves start..finish (inclusive) of the main log, as LogAPI.GetLogEntries sends them. */
export function logLeaves(db: LogDb, start: number, finish: number): LogLeaf[] {
  const rows = db.leaves(start, finish);
  if (rows.length !== finish - start + 1) throw new LogStateError(`the log database lacks entries in ${start}..${finish}`);
  return rows.map((r) => ({ Key: r.key, ValueDigest: r.digest, LeafDigest: r.leaf }));
}

/** Map-head-log leaves start..finish (inclusive): LeafDigest only. */
export function mapHeadLeaves(db: LogDb, start: number, finish: number): LogLeaf[] {
  const rows = db.mhLeaves(start, finish);
  if (rows.length !== finish - start + 1) throw new LogStateError(`the log database lacks map-head leaves in ${start}..${finish}`);
  return rows.map((h) => ({ LeafDigest: h }));
}

export function auditProof(db: LogDb, tree: TreeId, index: number, size: number): Hash[] {
  return storedInclusionProof(index, size, db.tree(tree));
}

export function consistencyProof(db: LogDb, tree: TreeId, first: number, second: number): Hash[] {
  return storedConsistencyProof(first, second, db.tree(tree));
}

/**
 * The map's answer for `key` as head `head` signed it: the MapEntry JSON and a proof
 * of presence, or an empty Value and a proof of absence; undefined when this process
 * no longer holds that head's map.
 */
export function mapValue(log: OpenLog, head: StoredHead, key: Uint8Array): MapValueResponse | undefined {
  const held = log.map.at(head.seq);
  if (held === undefined) return undefined;
  const { proof, leaf } = proveTrie(held.trie, sha256(key));
  return { Value: leaf === undefined ? new Uint8Array(0) : encodeMapEntry(leaf.digest, BigInt(leaf.index)), Proof: proof };
}
