/**
 * A whole log checked against itself, as after a crash (`log verify`): every head
 * signed by the log's key, and everything a head commits to recomputed from what is
 * stored. In one read snapshot, so a submit running meanwhile does not disturb it.
 *
 *   heads     seq 1, 2, … with MHTreeSize = seq; sizes never shrink; signatures verify
 *   entries   indices 0…TreeSize-1; each value there and hashing to its digest; each
 *             added by a head no later than the next one's (versions in log order)
 *   main log  the latest LogRoot recomputed from the leaves alone; every head's root from
 *             the stored subtrees, and a strict consistency proof between each two heads
 *   map       each head's MapRoot recomputed from the keys and digests of the entries it
 *             covers, head by head; the stored SHA-256 of each key and MapEntry (what a
 *             serving process builds its map from) equal to what they should be
 *   map-head  one leaf per head, SHA-256(0x00 || MapRoot), its root recomputed
 *
 * Problems are reported as lines, never thrown, so one run lists them all (the first
 * hundred).
 */

import {
  equalBytes, leafHash, rootFromLeafHashes, sha256, storedConsistencyProof, storedRoot, toHex, verifyConsistency,
} from '../merkle/index.ts';
import { encodeMapEntry, headDigest, insertLeaves, kvLeafHash, trieRoot, verifyEd25519 } from '../trustix/index.ts';
import type { Trie, TrieLeaf } from '../trustix/index.ts';
import { MAIN_LOG, MAP_HEAD_LOG } from './store.ts';
import type { LogDb, StoredHead } from './store.ts';

export interface AuditReport {
  readonly heads: number;
  readonly entries: number;
  readonly problems: readonly string[];
}

const MAX_PROBLEMS = 100;

export async function auditLog(db: LogDb): Promise<AuditReport> {
  const { heads, entries, stored, leaves } = db.read(() => {
    const hs = db.heads();
    const es = db.entries();
    const last = hs.at(-1);
    return {
      heads: hs, entries: es, stored: db.mapRows(0),
      leaves: last === undefined || last.treeSize === 0n ? [] : db.leaves(0, Number(last.treeSize) - 1),

    };
  });
  const problems: string[] = [];
  const problem = (s: string): void => void (problems.length < MAX_PROBLEMS && problems.push(s));
  const last = heads.at(-1);
  if (last === undefined) return { heads: 0, entries: entries.length, problems: ['the log has no signed head'] };

  for (const [i, h] of heads.entries()) {
    if (h.seq !== i + 1 || h.mhTreeSize !== BigInt(h.seq)) problem(`head ${h.seq}: expected seq and MHTreeSize ${i + 1}`);
    if (!(await verifyEd25519(headDigest(h), h.signature, db.meta.key))) problem(`head ${h.seq}: the signature does not verify with the log's key`);
    const prev = heads[i - 1];
    if (prev !== undefined && h.treeSize < prev.treeSize) problem(`head ${h.seq}: TreeSize ${h.treeSize} is below head ${prev.seq}'s ${prev.treeSize}`);
  }
  if (BigInt(entries.length) !== last.treeSize) problem(`the log holds ${entries.length} entries, its latest head says TreeSize ${last.treeSize}`);
  entries.forEach((e, i) => {
    if (e.index !== i) problem(`entry ${e.index} stands at position ${i}`);
    if (!equalBytes(sha256(e.value), e.digest)) problem(`entry ${e.index}: its value is not the one its digest names`);
    const addedBy = heads[e.version - 1];
    if (addedBy === undefined || BigInt(e.index) >= addedBy.treeSize || (heads[e.version - 2]?.treeSize ?? 0n) > BigInt(e.index)) {
      problem(`entry ${e.index}: head ${e.version}, which added it, does not cover it`);
    }
  });

  const leafHashes = entries.map((e) => kvLeafHash(e.key, e.digest));
  leafHashes.forEach((l, i) => {
    if (!equalBytes(l, leaves[i]?.leaf ?? new Uint8Array(0))) problem(`entry ${i}: the stored leaf hash is not SHA-256(0x00 || key || ":" || digest)`);
  });
  if (!equalBytes(rootFromLeafHashes(leafHashes), last.logRoot)) problem(`head ${last.seq}: LogRoot is not the root of the stored leaves`);
  checkMaps(heads, entries, stored, problem);
  const mhLeaves = heads.map((h) => leafHash(h.mapRoot));
  if (!equalBytes(rootFromLeafHashes(mhLeaves), last.mhRoot)) problem(`head ${last.seq}: MHRoot is not the root of the heads' map roots`);

  db.read(() => {
    const stored = db.mhLeaves(0, heads.length - 1);
    mhLeaves.forEach((l, i) => {
      if (!equalBytes(l, stored[i] ?? new Uint8Array(0))) problem(`map-head leaf ${i}: not SHA-256(0x00 || head ${i + 1}'s MapRoot)`);
    });
    for (const [i, h] of heads.entries()) checkHead(db, h, heads[i - 1], problem);
  });
  return { heads: heads.length, entries: entries.length, problems };
}

/** Each head's map, rebuilt from keys and digests alone, one head's entries at a time. */
function checkMaps(heads: readonly StoredHead[], entries: ReturnType<LogDb['entries']>, stored: ReturnType<LogDb['mapRows']>, problem: (s: string) => void): void {
  let map: Trie<TrieLeaf> = undefined;
  let i = 0;
  for (const h of heads) {
    const batch: TrieLeaf[] = [];
    for (; i < entries.length && (entries[i]?.version ?? Infinity) <= h.seq; i++) {
      const e = entries[i] as (typeof entries)[number];
      const leaf = { path: sha256(e.key), valueHash: sha256(encodeMapEntry(e.digest, BigInt(e.index))) };
      const row = stored[i];
      if (row === undefined || !equalBytes(row.path, leaf.path) || !equalBytes(row.vhash, leaf.valueHash)) problem(`entry ${e.index}: the stored SHA-256 of its key or MapEntry is wrong`);
      batch.push(leaf);
    }
    try {
      map = insertLeaves(map, batch);
    } catch (e) {
      problem(`head ${h.seq}: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!equalBytes(trieRoot(map), h.mapRoot)) problem(`head ${h.seq}: MapRoot is not the root of the map of the entries it covers`);
  }
}

function checkHead(db: LogDb, h: StoredHead, prev: StoredHead | undefined, problem: (s: string) => void): void {
  const attempt = (what: string, f: () => void): void => {
    try {
      f();
    } catch (e) {
      problem(`head ${h.seq}: ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  const n = Number(h.treeSize);
  attempt('LogRoot', () => {
    if (!equalBytes(storedRoot(n, db.tree(MAIN_LOG)), h.logRoot)) throw new Error(`stored subtrees give ${toHex(storedRoot(n, db.tree(MAIN_LOG)))}`);
  });
  attempt('MHRoot', () => {
    if (!equalBytes(storedRoot(h.seq, db.tree(MAP_HEAD_LOG)), h.mhRoot)) throw new Error('stored subtrees give another root');
  });
  if (prev === undefined) return;
  attempt(`consistency with head ${prev.seq}`, () => {
    const m = Number(prev.treeSize);
    verifyConsistency(prev.treeSize, h.treeSize, storedConsistencyProof(m, n, db.tree(MAIN_LOG)), prev.logRoot, h.logRoot);
    verifyConsistency(prev.mhTreeSize, h.mhTreeSize, storedConsistencyProof(prev.seq, h.seq, db.tree(MAP_HEAD_LOG)), prev.mhRoot, h.mhRoot);
  });
}
